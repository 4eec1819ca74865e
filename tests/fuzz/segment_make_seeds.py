#!/usr/bin/env python3
"""Writes the seed corpus of segment_reader_fuzz from docs/formats/log.md alone.

An independent encoder of the segment format (Python, not the C++ writer), so the seeds also
check that the document and the code agree. Run: python3 tests/fuzz/segment_make_seeds.py
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "segment")
POLY = 0x82F63B78
TABLE = []
for b in range(256):
    c = b
    for _ in range(8):
        c = (c >> 1) ^ POLY if c & 1 else c >> 1
    TABLE.append(c)


def crc32c(data: bytes) -> int:
    c = 0xFFFFFFFF
    for byte in data:
        c = (c >> 8) ^ TABLE[(c ^ byte) & 0xFF]
    return c ^ 0xFFFFFFFF


def lp(b: bytes) -> bytes:
    return struct.pack("<I", len(b)) + b


def record(offset: int, ts: int, key: bytes, value: bytes, headers=()) -> bytes:
    body = struct.pack("<qq", offset, ts) + lp(key) + lp(value) + struct.pack("<I", len(headers))
    for k, v in headers:
        body += lp(k) + lp(v)
    length = struct.pack("<I", len(body))
    return length + struct.pack("<I", crc32c(length + body)) + body


def records(n: int, first: int = 0) -> list:
    return [record(first + i, 1595676539000 + i, b"user-%d" % i, b"tweet text %d, with a comma" % i,
                   [(b"source", b"tweets.raw/0/%d" % i)] if i % 3 == 0 else [])
            for i in range(n)]


def main() -> None:
    os.makedirs(os.path.join(OUT, "regressions"), exist_ok=True)
    ten = records(10)
    clean = b"".join(ten)
    mid = len(b"".join(ten[:4]))
    bad_crc = bytearray(clean)
    bad_crc[mid + 30] ^= 0x40
    bad_len = bytearray(clean)
    bad_len[mid:mid + 4] = struct.pack("<I", 100000)
    seeds = {
        "empty": b"",
        "one_record": ten[0],
        "ten_records": clean,
        "truncated_tail": clean[:-5],
        "zero_filled_tail": clean + bytes(4096),
        "bad_checksum_middle": bytes(bad_crc),
        "bad_length_middle": bytes(bad_len),
        "wrong_offset": b"".join(ten[:3]) + record(7, 0, b"", b"x"),
    }
    # Kept regressions: inputs on which two code paths once disagreed.
    # A frame whose length runs past the end of the file but hides a whole valid record: the
    # scan called it corruption while the reader waited for the rest of the "partial" record.
    seeds["regressions/partial_frame_hiding_valid_record"] = (
        ten[0] + struct.pack("<II", 5000, 0) + ten[1])
    for name, data in seeds.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
