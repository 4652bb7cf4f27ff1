"""ghostcut_controller_file: the role's report files, written on the controller itself.

An action plugin runs inside Ansible's controller process: writing the report, the logs and the
done markers this way starts no module (no Python process per file, per shard), which keeps a
fleet run's overhead small. Arguments: path, and either content (+ mode, default 0640) to
write the file atomically, state: directory, or state: stat (returns exists).
"""
import os
import tempfile

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("path", "content", "mode", "state"))

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = self._task.args
        path = args.get("path")
        state = args.get("state", "file")
        if not path:
            raise AnsibleActionFail("path is required")
        path = os.path.expanduser(str(path))
        if state == "stat":
            result.update(changed=False, exists=os.path.exists(path))
            return result
        if state == "directory":
            existed = os.path.isdir(path)
            os.makedirs(path, mode=0o750, exist_ok=True)
            result.update(changed=not existed, path=path)
            return result
        if state != "file":
            raise AnsibleActionFail("state must be file, directory or stat")
        content = args.get("content", "")
        mode = int(str(args.get("mode", "0640")), 8)
        directory = os.path.dirname(path) or "."
        os.makedirs(directory, mode=0o750, exist_ok=True)
        fd, tmp_path = tempfile.mkstemp(dir=directory, prefix=".ghostcut.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(str(content))
            os.chmod(tmp_path, mode)
            os.replace(tmp_path, path)  # readers never see half a report
        except BaseException:
            if os.path.exists(tmp_path):
                os.unlink(tmp_path)
            raise
        result.update(changed=True, path=path)
        return result
