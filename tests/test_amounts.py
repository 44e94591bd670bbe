"""Amounts of money and the ranges rules put them in (rag.amounts)."""
import math

import pytest

from rag.amounts import Range, amounts, fits, ranges, situation


@pytest.mark.parametrize("text, value, currency", [
    ("omzet saya Rp200 juta setahun", 200e6, "idr"),
    ("I make about Rp1 billion a year", 1e9, "idr"),
    ("antara Rp500 juta hingga Rp4,8 miliar", 500e6, "idr"),
    ("minimal 100 dolar AS per unit", 100, "usd"),
    ("at least USD 100 per item", 100, "usd"),
    ("omzet di atas Rp500.000.000", 500e6, "idr"),
    ("fined 15 billion rupiah", 15e9, "idr"),
])
def test_amounts_read_scale_and_currency(text, value, currency):
    got = amounts(text)
    assert got and got[0].value == pytest.approx(value) and got[0].currency == currency


def test_numbers_without_a_currency_are_no_amounts():
    assert amounts("75,01 persen saham, 450 karyawan, Permendag 31/2023") == []


@pytest.mark.parametrize("text, expected", [
    ("omzet di bawah Rp500 juta per tahun tidak dikenai pungutan",
     [Range(-math.inf, 500e6, "idr")]),
    ("turnover between Rp500 million and Rp4.8 billion", [Range(500e6, 4.8e9, "idr")]),
    ("omzet tahunan antara Rp500 juta hingga Rp4,8 miliar", [Range(500e6, 4.8e9, "idr")]),
    ("must be worth at least USD 100, or roughly Rp1.5 million", [Range(100, math.inf, "usd")]),
    ("TikTok was fined Rp15 billion", []),
])
def test_ranges(text, expected):
    assert ranges(text) == expected


def test_a_statement_fits_the_asker_whose_amount_its_range_holds():
    asker = situation("Omzet saya cuma Rp200 juta setahun, kena potong pajak nggak?")
    assert fits("Pedagang dengan omzet di bawah Rp500 juta tidak dikenai pungutan.", asker)
    assert not fits("Pungutan berlaku bagi omzet antara Rp500 juta hingga Rp4,8 miliar.", asker)
    assert not fits("Barang impor minimal 100 dolar AS.", asker)  # another currency
    assert not fits("Pedagang dengan omzet di bawah Rp500 juta.", [])


def test_an_asker_s_own_range_meets_a_rule_inside_its_bounds_only():
    above = situation("What rate applies to sellers with turnover above Rp4.8 billion?")
    assert not fits("The levy applies to a turnover between Rp500 million and Rp4.8 billion.",
                    above)
    assert fits("Sellers with a turnover of more than Rp4.8 billion pay the normal rate.", above)
    assert fits("The levy applies to a turnover between Rp500 million and Rp4.8 billion.",
                situation("Omzet saya di atas Rp1 miliar, kena?"))


def test_above_a_up_to_b_is_one_range_and_a_sum_without_its_currency_is_the_askers():
    assert ranges("Pungutan berlaku bagi omzet di atas Rp500 juta sampai Rp4,8 miliar.") == [
        Range(5e8, 4.8e9, "idr")]
    # "omzet setahun sekitar 300 juta": rupiah by what the rules say, not by its own sign
    asker = situation("Omzet setahun saya sekitar 300 juta, kena pajak nggak?")
    assert asker and fits("Pedagang dengan omzet paling banyak Rp500 juta tidak dipungut.", asker)
    assert not fits("Pungutan berlaku bagi omzet di atas Rp500 juta sampai Rp4,8 miliar.", asker)
    assert situation("Ada 450 karyawan yang kena PHK?") == []  # a count is no sum
