// One table with every MariaDB column type (latin1 table, utf8mb4 columns) and rows of edge
// values: all NULL, minimums, maximums, ordinary values with fractions, multi-byte and binary text.
// Shared by the decoder and applier live tests.
#pragma once

namespace ghostcut::testing {

inline constexpr const char* kEveryTypeCreate = R"(CREATE TABLE every_type (
  id INT PRIMARY KEY,
  ti TINYINT, tu TINYINT UNSIGNED, si SMALLINT, su SMALLINT UNSIGNED, mi MEDIUMINT, mu MEDIUMINT UNSIGNED,
  i INT, iu INT UNSIGNED, bi BIGINT, bu BIGINT UNSIGNED,
  f FLOAT, d DOUBLE, dc DECIMAL(10,3), dc2 DECIMAL(65,30), dc3 DECIMAL(5,0),
  y YEAR, dt DATE, tm TIME, tm3 TIME(3), tm6 TIME(6), dtt DATETIME, dtt1 DATETIME(1), dtt6 DATETIME(6),
  ts TIMESTAMP NULL, ts2 TIMESTAMP(2) NULL, ts6 TIMESTAMP(6) NULL,
  c CHAR(5), cu CHAR(10) CHARACTER SET utf8mb4, vc VARCHAR(20), vl VARCHAR(300), bn BINARY(4), vb VARBINARY(10),
  tb TINYBLOB, bl BLOB, mb MEDIUMBLOB, lb LONGBLOB, tt TINYTEXT, tx TEXT CHARACTER SET utf8mb4,
  e ENUM('a','b','c'), s SET('x','y','z'), s9 SET('a','b','c','d','e','f','g','h','i'),
  b1 BIT(1), b10 BIT(10), b64 BIT(64), j JSON, g GEOMETRY
) CHARACTER SET latin1)";

inline constexpr const char* kEveryTypeInserts[] = {
    // all NULL
    "INSERT INTO every_type (id) VALUES (1)",
    // minimums
    "INSERT INTO every_type VALUES (2, -128, 0, -32768, 0, -8388608, 0, -2147483648, 0, -9223372036854775808, 0,"
    " -3.40282e38, -1.7976931348623157e308, -9999999.999, -99999999999999999999999999999999999.999999999999999999999999999999, -99999,"
    " 1901, '1000-01-01', '-838:59:59', '-838:59:59.000', '-838:59:59.000000', '1000-01-01 00:00:00', '1000-01-01 00:00:00.0',"
    " '1000-01-01 00:00:00.000000', '1970-01-01 00:00:01', '1970-01-01 00:00:01.00', '1970-01-01 00:00:01.000000',"
    " '', '', '', '', X'00000000', '', '', '', '', '', '', '', 'a', '', '', b'0', b'0', b'0', '{}', ST_GeomFromText('POINT(0 0)'))",
    // maximums
    "INSERT INTO every_type VALUES (3, 127, 255, 32767, 65535, 8388607, 16777215, 2147483647, 4294967295,"
    " 9223372036854775807, 18446744073709551615, 3.40282e38, 1.7976931348623157e308, 9999999.999,"
    " 99999999999999999999999999999999999.999999999999999999999999999999, 99999,"
    " 2155, '9999-12-31', '838:59:59', '838:59:59.999', '838:59:59.999999', '9999-12-31 23:59:59', '9999-12-31 23:59:59.9',"
    " '9999-12-31 23:59:59.999999', '2038-01-19 03:14:07', '2038-01-19 03:14:07.99', '2038-01-19 03:14:07.999999',"
    " 'abcde', '✓✓✓✓✓✓✓✓✓✓', REPEAT('z', 20), REPEAT('é', 150), X'FFFFFFFF', X'FF00FF00FF00FF00FF00',"
    " REPEAT(X'AB', 255), REPEAT(X'CD', 65535), REPEAT(X'EF', 70000), REPEAT(X'01', 100000), REPEAT('t', 255), REPEAT('u', 1000),"
    " 'c', 'x,y,z', 'a,b,c,d,e,f,g,h,i', b'1', b'1111111111', b'1111111111111111111111111111111111111111111111111111111111111111',"
    " '{\"k\": [1, 2.5, \"x\", null, true], \"n\": {\"deep\": \"q\\\\\"uote\"}}', ST_GeomFromText('LINESTRING(0 0, 1 1, 2 2)'))",
    // ordinary values: fractions, negative decimals, multi-byte and binary text
    "INSERT INTO every_type VALUES (4, -1, 1, -2, 2, -3, 3, -4, 4, -5, 5, 1.5, -2.25e-100, -0.001, -0.000000000000000000000000000001, 0,"
    " 0, '0000-00-00', '-00:00:01', '-00:00:00.001', '12:34:56.789012', '2024-02-29 12:00:00', '2024-02-29 12:00:00.5',"
    " '2024-02-29 12:00:00.000001', '2024-02-29 12:00:00', '2024-02-29 12:00:00.01', '2024-02-29 12:00:00.123456',"
    " 'it''s', '€uro', 'tab\\there\\nline', CONCAT('a', REPEAT('é', 10)), X'00010203', X'000A0D1A5C27',"
    " X'00FF', X'', 'blob\\0nul', '', 'text', 'ünïcödé ✓', 'b', 'y', 'e,i', b'1', b'0101010101', b'1000000000000000000000000000000000000000000000000000000000000001',"
    " '[]', ST_GeomFromText('POLYGON((0 0,1 0,1 1,0 1,0 0))'))",
};

}  // namespace ghostcut::testing
