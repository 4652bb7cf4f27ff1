# bash completion for ghostcut. The flags come from the installed binary's own --help, so they
# never go stale; `ghostcut ctl --database D --table T` and socket paths complete too.
_ghostcut() {
  local cur prev words cword
  _init_completion 2>/dev/null || {
    cur=${COMP_WORDS[COMP_CWORD]}; prev=${COMP_WORDS[COMP_CWORD-1]}; words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD
  }
  local cmd=${words[1]}
  if [[ $cword -eq 1 ]]; then
    COMPREPLY=($(compgen -W "migrate tail ctl revert --help --version" -- "$cur"))
    return
  fi
  case $prev in
    --socket|--serve-socket-file|--defaults-file|--config|--token-file|--serve-tcp-token-file|--panic-flag-file|\
    --throttle-flag-file|--postpone-cut-over-flag-file|--throttle-additional-flag-file|--file|--check-queries|\
    --ssl-ca|--ssl-cert|--ssl-key|--server-public-key-path)
      COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --hooks-path|--ssl-capath)
      COMPREPLY=($(compgen -d -- "$cur")); return ;;
    --log-format)
      COMPREPLY=($(compgen -W "text json" -- "$cur")); return ;;
    --checksum)
      COMPREPLY=($(compgen -W "on off" -- "$cur")); return ;;
    --plan-format)
      COMPREPLY=($(compgen -W "text json" -- "$cur")); return ;;
    --on-plan-regression)
      COMPREPLY=($(compgen -W "postpone fail warn" -- "$cur")); return ;;
    --cut-over)
      COMPREPLY=($(compgen -W "atomic default" -- "$cur")); return ;;
    --ssl-mode)
      COMPREPLY=($(compgen -W "disabled preferred required verify-ca verify-identity" -- "$cur")); return ;;
    --trigger-suffix)
      COMPREPLY=($(compgen -W "_gc _v2" -- "$cur")); return ;;
  esac
  if [[ $cur == -* ]]; then
    local flags
    flags=$(ghostcut "$cmd" --help 2>/dev/null | grep -o -- '--[a-z0-9][a-z0-9-]*' | sort -u)
    COMPREPLY=($(compgen -W "$flags" -- "$cur"))
    return
  fi
  if [[ $cmd == ctl ]]; then
    COMPREPLY=($(compgen -W "help status sup coordinates throttle no-throttle postpone unpostpone cut-over \
      chunk-size= threads= dml-batch-size= max-lag-millis= nice-ratio= max-load= critical-load= \
      throttle-query= throttle-control-replicas= window= panic= revert=" -- "$cur"))
  fi
}
complete -F _ghostcut ghostcut
