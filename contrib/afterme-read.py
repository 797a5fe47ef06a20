#!/usr/bin/env python3
"""A reader of afterme's data directory that relies on FORMAT.md alone, in another language than afterme.

Walks the segments of DIR in log order, checks every rule of FORMAT.md ("Validity", "Finding the end of
valid data", "Batches", "Problem kinds"), prints each valid record as one JSON line ({"seq", "sha256",
"chain"}; the records of a batch once its last record is read) and stops at the first problem (bytes after a valid trailer, which hold no record, are reported but do not
stop it), which it prints to stderr the way afterme's tools do ("segment S offset O seq N: kind: why")
before exiting 1. Exits 0 when the log is valid.

Usage: afterme-read.py DIR
"""
import hashlib
import json
import os
import re
import struct
import sys

SEGMENT_MAGIC = b"\x89AFM\r\n\x1a\n"
RECORD_MAGIC = b"AFR1"
TRAILER_MAGIC = b"AFT1"
HEADER = 128
TRAILER = 64
MIN_RECORD = 105
SECTOR = 512
PAGE = 4096


def _crc32c_table():
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


CRC_TABLE = _crc32c_table()


def crc32c(data):
    c = 0xFFFFFFFF
    for byte in data:
        c = CRC_TABLE[(c ^ byte) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def u16(b, at):
    return struct.unpack_from(">H", b, at)[0]


def u32(b, at):
    return struct.unpack_from(">I", b, at)[0]


def u64(b, at):
    return struct.unpack_from(">Q", b, at)[0]


class Problem(Exception):
    def __init__(self, kind, segment, offset, seq, why):
        super().__init__(why)
        self.kind, self.segment, self.offset, self.seq, self.why = kind, segment, offset, seq, why


class Header:
    def __init__(self, version, log_id, first_seq, prev_chain):
        self.version, self.log_id, self.first_seq, self.prev_chain = version, log_id, first_seq, prev_chain


def read_header(b, name, name_seq):
    """The header, or a Problem (kind, with why) for a header that fails its rules."""
    if len(b) < len(SEGMENT_MAGIC) or b[:8] != SEGMENT_MAGIC:
        return Problem("bad_segment_header", name, 0, name_seq, "wrong magic")
    if len(b) >= 10 and not 1 <= u16(b, 8) <= 4:
        return Problem("unsupported_version", name, 0, name_seq, "format version %d" % u16(b, 8))
    if len(b) < HEADER:
        return Problem("bad_segment_header", name, 0, name_seq, "header cut short")
    if crc32c(b[:124]) != u32(b, 124):
        return Problem("bad_segment_header", name, 0, name_seq, "header CRC32C mismatch")
    if u16(b, 10) != HEADER:
        return Problem("bad_segment_header", name, 0, name_seq, "header length")
    if u64(b, 32) < 1:
        return Problem("bad_segment_header", name, 0, name_seq, "first seq below 1")
    return Header(u16(b, 8), b[16:32], u64(b, 32), b[40:72])


class Segment:
    """One segment's bytes and the checks of a frame in them."""

    def __init__(self, b, header, last):
        self.b, self.size, self.header, self.last = b, len(b), header, last
        self.fillable = header.version >= 2
        self.types = (1,) if header.version < 3 else (2,) if header.version == 3 else (2, 3)

    def zeros(self, start, end):
        return not any(self.b[start:end])

    def verdict(self, pos):
        b, size = self.b, self.size
        avail = size - pos
        if avail <= 0:
            return "end"
        if self.fillable and self.zeros(pos, pos + min(4, avail)):
            return "fill"
        if avail >= 4 and b[pos:pos + 4] == TRAILER_MAGIC:
            if avail < TRAILER:
                return "past end"
            return "trailer" if crc32c(b[pos + 8:pos + TRAILER]) == u32(b, pos + 4) else "bad crc"
        if avail >= 12 and u32(b, pos + 8) > avail:
            return "past end" if b[pos:pos + 4] == RECORD_MAGIC else "bad magic"
        if avail < 4:
            return "past end"
        if b[pos:pos + 4] != RECORD_MAGIC:
            return "bad magic"
        if avail < 12:
            return "past end"
        length = u32(b, pos + 8)
        if length < MIN_RECORD:
            return "bad length"
        z, c, k = b[pos + 37], b[pos + 38], b[pos + 39]
        if (b[pos + 36] not in self.types or z == 0 or u32(b, pos + 32) >= 1_000_000_000
                or self.encoded(z, c, k, u32(b, pos + 12)) != length):
            return "bad fields"
        return "record" if crc32c(b[pos + 8:pos + length]) == u32(b, pos + 4) else "bad crc"

    def encoded(self, z, c, k, p):
        return 104 + z + c + k + p + (8 if self.header.version >= 3 else 0)

    def chain_at(self, pos):
        return pos + 72 + self.b[pos + 37] + self.b[pos + 38] + self.b[pos + 39]

    def sync_mark(self, pos):
        return u64(self.b, self.chain_at(pos) + 32) if self.b[pos + 36] != 1 else -1

    def next_frame(self, start):
        """The first offset from start where a valid record or trailer starts (rules 1-4), or -1."""
        for q in range(start, self.size - 3):
            magic = self.b[q:q + 4]
            if magic == RECORD_MAGIC and self.verdict(q) == "record":
                return q
            if magic == TRAILER_MAGIC and self.verdict(q) == "trailer":
                return q
        return -1

    def stop(self, pos, verdict, expected):
        """Classifies a walk that stopped at pos: ("torn_tail" | "bad_checksum", why)."""
        resume = self.next_frame(pos + 1)
        if resume >= 0:
            if not self.last or self.header.version < 3:
                return "bad_checksum", "valid data resumes at offset %d" % resume
            if self.highest_mark(resume) >= expected:
                return "bad_checksum", "a record after it says seq %d had been synced" % expected
            page = pos - pos % PAGE
            while page + PAGE <= resume:
                if self.zeros(max(pos, page), page + PAGE):
                    return "torn_tail", "torn pages after the last fsync"
                page += PAGE
            return "bad_checksum", "valid data resumes at offset %d and no page of zeros" % resume
        if self.torn(pos, verdict):
            return "torn_tail", verdict
        return "bad_checksum", verdict + " in a frame written whole"

    def highest_mark(self, q):
        highest = -1
        while q >= 0:
            v = self.verdict(q)
            if v == "record":
                highest = max(highest, self.sync_mark(q))
                q += u32(self.b, q + 8)
            elif v in ("trailer", "end"):
                break
            else:
                q = self.next_frame(q + 1)
        return highest

    def torn(self, pos, verdict):
        b = self.b
        if verdict in ("past end", "bad length", "fill"):
            return True
        if verdict == "bad magic":
            if 0 in b[pos:pos + 4]:
                return True
            if self.size - pos < 12:
                return True
            claimed = u32(b, pos + 8)
            whole = MIN_RECORD <= claimed <= self.size - pos and crc32c(b[pos + 8:pos + claimed]) == u32(b, pos + 4)
            return not whole
        length = TRAILER if b[pos:pos + 4] == TRAILER_MAGIC else u32(b, pos + 8)
        if b[pos + length - 1] == 0:
            return True
        sector = pos - pos % SECTOR
        while sector < pos + length:
            if self.zeros(max(pos, sector), min(pos + length, sector + SECTOR)):
                return True
            sector += SECTOR
        return False


def walk(directory, out):
    """Raises the first problem in log order; bytes after a valid trailer, which hold no record, are
    reported as that first problem but do not stop the walk."""
    after_trailer = []
    try:
        walk_segments(directory, out, after_trailer)
    except Problem as p:
        raise (after_trailer or [p])[0]
    if after_trailer:
        raise after_trailer[0]


def walk_segments(directory, out, after_trailer):
    names = sorted(n for n in os.listdir(directory) if re.fullmatch(r"\d{20}\.seg", n))
    log_id = None
    next_seq = 1
    previous = None  # (name, data_end, last_seq, chain_head, sealed)
    for i, name in enumerate(names):
        last = i == len(names) - 1
        name_seq = int(name[:20])
        with open(os.path.join(directory, name), "rb") as f:
            b = f.read()
        header = read_header(b, name, name_seq)
        if previous is not None and not previous[4]:
            raise Problem("missing_trailer", previous[0], previous[1], previous[2] + 1, "no valid trailer")
        first = header.first_seq if isinstance(header, Header) else name_seq
        if first != next_seq:
            raise Problem("seq_gap", name, 0, next_seq, "segment starts at seq %d" % first)
        if isinstance(header, Problem):
            whole = len(b) >= HEADER and crc32c(b[:124]) == u32(b, 124)
            if len(b) <= HEADER and not whole:
                if last:
                    raise Problem("torn_tail", name, 0, 0, "half-created segment")
                raise Problem("bad_segment_header", name, 0, name_seq, "header cut short")
            raise header
        log_id = log_id or header.log_id
        if header.log_id != log_id:
            raise Problem("log_id_mismatch", name, 0, first, "log id differs")
        if previous is not None and header.prev_chain != previous[3]:
            raise Problem("chain_break", name, 0, first, "does not continue the previous segment's chain")
        if name_seq != header.first_seq:
            raise Problem("bad_segment_name", name, 0, header.first_seq, "file name differs from first seq")
        previous = walk_records(Segment(b, header, last), name, out, after_trailer)
        next_seq = previous[2] + 1


def walk_records(s, name, out, after_trailer):
    pos, expected, chain, count = HEADER, s.header.first_seq, s.header.prev_chain, 0
    # Where the last batch ended (after a record of type 1 or 2), and the records of the one not yet ended.
    batch_pos, batch_chain, held = pos, chain, []
    while True:
        v = s.verdict(pos)
        clean = v == "end" or (v == "fill" and s.zeros(pos, s.size))
        kind, why = (None, None) if clean or v in ("trailer", "record") else s.stop(pos, v, expected)
        if held and (clean or kind == "torn_tail"):
            # An unfinished batch: a torn tail from its first record (in an earlier segment, a missing trailer).
            first = expected - len(held)
            if not s.last:
                return name, batch_pos, first - 1, batch_chain, False
            seqs = "seq %d begins" % first if len(held) == 1 else "seq %d to %d begin" % (first, expected - 1)
            raise Problem("torn_tail", name, batch_pos, first, seqs + " a batch whose last record was never written")
        if v != "record":
            for line in held:
                out.write(line)
        if clean:
            return name, pos, expected - 1, chain, False
        if v == "trailer":
            b = s.b
            if held:
                raise Problem("bad_trailer", name, pos, expected - 1, "the record before the trailer says more of"
                              " its batch follow")
            if (u64(b, pos + 8) != expected - 1 or u64(b, pos + 16) != count or b[pos + 24:pos + 56] != chain
                    or u64(b, pos + 56) != pos):
                raise Problem("bad_trailer", name, pos, expected - 1, "trailer fields differ from the records")
            if pos + TRAILER < s.size:
                after_trailer.append(Problem("torn_tail", name, pos + TRAILER, expected, "bytes after the trailer"))
            return name, pos, expected - 1, chain, True
        if v == "record":
            b = s.b
            length, seq = u32(b, pos + 8), u64(b, pos + 16)
            chain_at = s.chain_at(pos)
            payload = b[pos + length - u32(b, pos + 12):pos + length]
            problem = (Problem("seq_gap", name, pos, expected, "found seq %d" % seq) if seq != expected
                       else Problem("chain_break", name, pos, seq, "chain does not follow")
                       if hashlib.sha256(chain + b[pos + 8:chain_at]).digest() != b[chain_at:chain_at + 32]
                       else Problem("bad_hash", name, pos, seq, "payload does not match its SHA-256")
                       if hashlib.sha256(payload).digest() != b[pos + 40:pos + 72] else None)
            if problem:
                # The records before the first problem are printed, whatever their batch.
                for line in held:
                    out.write(line)
                raise problem
            chain = b[chain_at:chain_at + 32]
            held.append(json.dumps({"seq": seq, "sha256": b[pos + 40:pos + 72].hex(), "chain": chain.hex()}) + "\n")
            expected, count, pos = seq + 1, count + 1, pos + length
            if b[pos - length + 36] != 3:
                for line in held:
                    out.write(line)
                batch_pos, batch_chain, held = pos, chain, []
            continue
        if kind == "torn_tail" and not s.last:
            # Only the last segment has a tail to tear: the next segment reports this one's missing trailer.
            return name, pos, expected - 1, chain, False
        raise Problem(kind, name, pos, expected, why)


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: afterme-read.py DIR\n")
        return 2
    try:
        walk(sys.argv[1], sys.stdout)
    except Problem as p:
        sys.stdout.flush()
        sys.stderr.write("segment %s offset %d seq %d: %s: %s\n" % (p.segment, p.offset, p.seq, p.kind, p.why))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
