"""The Vietnamese sort key (units/domain/names.py, docs/names.md) on plain names: the orders
issue 13 found wrong when lists were sorted by code points."""

import csv
import hashlib
import random
import unicodedata

import pytest
from django.conf import settings

from units.domain import names
from units.domain.names import (
    COMMUNE_KINDS,
    DISTRICT_KINDS,
    LEVEL_KINDS,
    name_key,
    sort_key,
    unit_sort_key,
)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("Xã Chà Tở", "Xã Chiềng Sinh"),  # a before i, whatever the tone
        ("Xã Mường Ảng", "Xã Mường Tùng"),  # ả is an a
        ("Phường Điện Biên Phủ", "Phường Mường Thanh"),  # đ is a letter of its own, before m
        ("Xã Dương", "Xã Đông"),  # đ after the whole of d
        ("Xã An", "Xã Ăng"),  # ă after a
        ("Xã Ăng", "Xã Âm"),  # â after ă
        ("Xã Cha", "Xã Chà"),  # no tone first, then huyền, hỏi, ngã, sắc, nặng
        ("Xã Chà", "Xã Chả"),
        ("Xã Chả", "Xã Chá"),
        ("Xã Chá", "Xã Chai"),  # tones decide only between the same letters
        ("Xã Mường Nhé", "Phường Nam Thanh"),  # by name, the kind does not come first
    ],
)
def test_names_sort_in_vietnamese_order(before, after):
    assert unit_sort_key(before, "commune") < unit_sort_key(after, "commune")


def test_numbers_sort_in_natural_order():
    names = ["Tổ dân phố 10", "Tổ dân phố 2", "Tổ dân phố 11", "Tổ dân phố 1"]
    assert sorted(names, key=sort_key) == [
        "Tổ dân phố 1",
        "Tổ dân phố 2",
        "Tổ dân phố 10",
        "Tổ dân phố 11",
    ]


def test_the_key_is_digits_only_so_every_database_orders_it_alike():
    key = sort_key("Bản Nậm Cang 1")
    assert key.isdigit()
    assert sort_key("bản  nậm cang 1") == key  # case and spacing do not move a name
    assert unit_sort_key("Xã Nà Hỳ", "commune") == sort_key("Xã Nà Hỳ", COMMUNE_KINDS)


# ---------------------------------------------------------------------------- the same keys
# The keys are stored (Unit.sort_key, Village.sort_key): making them faster must not change one.
# These were worked out by the letter-by-letter coding of main at a03a78a (before the pieces
# between spaces were coded once each, and the kinds' prefixes made once).

FIXTURE_KEYS = "df7bfa89bdb8bb70c68cb30426ee98015592d5869007e8c8545d067e6ac9580b"


def test_every_unit_name_of_the_fixtures_keeps_its_keys():
    digest = hashlib.sha256()
    for scheme in ("gso2004", "gso2025"):
        path = settings.BASE_DIR / "fixtures" / "units" / f"units_{scheme}.csv"
        with path.open(encoding="utf-8") as rows:
            for row in csv.DictReader(rows):
                name, kinds = row["name"], LEVEL_KINDS[row["level"]]
                line = f"{sort_key(name, kinds)}|{name_key(name, kinds)}|{sort_key(name)}\n"
                digest.update(line.encode())
    assert digest.hexdigest() == FIXTURE_KEYS


@pytest.mark.parametrize(
    ("name", "key", "folded"),
    [
        ("\u0300Bản Na", "27100000013102700100", "na"),  # a stray mark's tone goes on
        ("Bản \u0300 Na", "27100010013102700200", "na"),  # across a space
        ("Bản -\u0301 Na", "27100040013102700200", "- na"),
        ("ΣΑΣ Σ", "990000963990000945990000962019900009630000000000", "σας σ"),  # final sigma
        ("İstanbul", "2234351027133625000000000", "istanbul"),
        ("Thôn 01", "02011000003521292700000", "01"),
        ("Hoa\u0300", "212810001000000", "hoa"),  # NFD, and the old tone placement
        ("Hòa", "212810001000000", "hoa"),
        ("Tổ dân phố 3", "0201300000352901151227013121290020400", "3"),
        ("TP. Điện Biên Phủ", "35310116221827011322182701312136000502000000", "tp. dien bien phu"),
        ("", "00000000", ""),
        ("  ", "00000000", ""),
        ("Ấp 3/2", "020130102012000000123100400", "3/2"),
        ("Bản Nậm\u00a0Cang", "271226011410272000500013102700200", "nam cang"),
        ("\u00e1\u0323", "10005000000", "a"),  # two tones: the first in NFD order
    ],
)
def test_odd_names_keep_their_keys(name, key, folded):
    assert (sort_key(name), name_key(name)) == (key, folded)


@pytest.mark.parametrize(
    ("name", "key", "folded"),
    [
        ("TP. Điện Biên Phủ", "162218270113221827013121360050200353100000", "dien bien phu"),
        ("TX.Mường Lay", "251041000003540012637302720000100", "muong lay"),
        ("Tp Hà Giang", "2110012022102720001000353100000", "ha giang"),
    ],
)
def test_kinds_written_short_keep_their_keys(name, key, folded):
    assert (unit_sort_key(name, "district"), name_key(name, DISTRICT_KINDS)) == (key, folded)


def whole_text_collation(text: str) -> str:
    """The collation coded letter by letter over the whole text, in one piece."""
    words, _ = names._words(unicodedata.normalize("NFD", text.lower()))
    letters = "01".join("".join(map(names._item_code, items)) for items, _ in words)
    return letters + "00" + "".join(tone for _, tone in words) + "00"


def test_pieces_between_spaces_coded_once_give_the_whole_text_s_collation():
    rng = random.Random(13)
    alphabet = (
        "aăâdđeêoôơuưyBẢNXÃ019 .-/\u00a0ΣİàáảãạềễộỵÂ"
        + "\u0300\u0301\u0303\u0309\u0323\u0306\u0302\u031b\u0308" * 3
    )
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(12)))
        assert names._collation(text) == whole_text_collation(text), repr(text)
