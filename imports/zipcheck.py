"""Check a zip (an .xlsx, .xlsm or .ods) before anything unzips it: uploads may be hostile.

Every part is inflated once, counting, and refused as soon as it expands past the size the zip
directory declares for it: the declared sizes, checked against IMPORT_MAX_UNZIPPED_BYTES by the
reader, then bound what any reader unzips (zip bombs, lying headers). An XML part declaring
entities ("billion laughs", external entities) is refused unread.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Iterator

from django.template.defaultfilters import filesizeformat

from .formulas import has_formula
from .issues import Issue
from .unreadable import CORRUPT, SIZE_UNDERSTATED, XML_ENTITIES, UnreadableWorkbook

# Entity declarations, in the encodings an XML part may use. Spreadsheet programs never write
# them (ECMA-376 Part 2 forbids DTDs in a package); they are how "billion laughs" and external
# entity attacks begin. Only .xml and .rels parts: an SVG picture may declare entities.
ENTITY_DECLARATION = b"<!ENTITY"
ENTITY_DECLARATIONS_UTF16 = ("<!ENTITY".encode("utf-16-le"), "<!ENTITY".encode("utf-16-be"))
XML_PARTS = (".xml", ".rels")
INFLATE_CHUNK = 64 * 1024
LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature ... file name length, extra field length


def part_check(data: bytes, member: zipfile.ZipInfo) -> bool:
    """Inflate one part of the zip, counting, and stop as soon as it expands past its declared
    size: the sizes were checked, not yet the data. XML parts must declare no entity.

    Whether an XML part holds a formula element is noted on the way (`formulas.has_formula`):
    only those parts are inflated again to find formulas without a value."""
    xml = member.filename.lower().endswith(XML_PARTS)
    size, tail, entities, formula = 0, b"", None, False
    for chunk in _inflated(data, member):
        size += len(chunk)
        if size > member.file_size:
            params = {"part": member.filename, "size": filesizeformat(member.file_size)}
            raise UnreadableWorkbook(Issue(SIZE_UNDERSTATED, params))
        if xml:
            entities = entities or _entity_declarations(chunk)
            window = tail + chunk  # a declaration may straddle two chunks
            if any(entity in window for entity in entities):
                raise UnreadableWorkbook(Issue(XML_ENTITIES, {"part": member.filename}))
            formula = formula or has_formula(window)
            tail = chunk[-32:]
    return formula


def _entity_declarations(start: bytes) -> tuple[bytes, ...]:
    """The spellings to look for in an XML part beginning with `start`: UTF-16 XML begins with
    a byte order mark or has a zero byte in "<?"; anything else is read as UTF-8."""
    if start[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in start[:4]:
        return ENTITY_DECLARATIONS_UTF16
    return (ENTITY_DECLARATION,)


def _inflated(data: bytes, member: zipfile.ZipInfo) -> Iterator[bytes]:
    """The part's bytes as they unzip, at most INFLATE_CHUNK at a time, whatever its declared
    size. (zipfile trusts it: its read() inflates all the data in one piece, then cuts it to
    the declared size, so it is used only on parts checked here.)"""
    raw = memoryview(data)[_data_start(data, member) :][: member.compress_size]
    if member.compress_type == zipfile.ZIP_STORED:
        for at in range(0, len(raw), INFLATE_CHUNK):
            yield bytes(raw[at : at + INFLATE_CHUNK])
        return
    if member.compress_type != zipfile.ZIP_DEFLATED:  # the only method spreadsheets use
        detail = f"{member.filename}: compression method {member.compress_type}"
        raise UnreadableWorkbook(Issue(CORRUPT, {"detail": detail}))
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    try:
        for at in range(0, len(raw), INFLATE_CHUNK):
            pending = raw[at : at + INFLATE_CHUNK]
            while pending:  # a 64 KB input chunk may hold gigabytes: out INFLATE_CHUNK at a time
                yield inflater.decompress(pending, INFLATE_CHUNK)
                pending = inflater.unconsumed_tail
        while not inflater.eof and (chunk := inflater.decompress(b"", INFLATE_CHUNK)):
            yield chunk
    except zlib.error as error:
        detail = f"{member.filename}: {error}"
        raise UnreadableWorkbook(Issue(CORRUPT, {"detail": detail})) from error


def _data_start(data: bytes, member: zipfile.ZipInfo) -> int:
    """Where the part's compressed data begins: after its local header, name and extra field."""
    try:
        signature, name_length, extra_length = LOCAL_HEADER.unpack_from(data, member.header_offset)
    except struct.error:
        signature = b""
    if signature != b"PK\x03\x04":
        detail = f"{member.filename}: no local header"
        raise UnreadableWorkbook(Issue(CORRUPT, {"detail": detail}))
    return member.header_offset + LOCAL_HEADER.size + name_length + extra_length
