"""The Vietnamese sort key (units/domain/names.py, docs/names.md) on plain names: the orders
issue 13 found wrong when lists were sorted by code points."""

import pytest

from units.domain.names import COMMUNE_KINDS, sort_key, unit_sort_key


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
