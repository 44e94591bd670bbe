"""SIGKILL in the middle of an ingest, then the same ingest again: every article exactly
once, with all its passages, and no orphan passages."""
import os
import signal
import subprocess
import sys
import time

from rag.config import Settings

from conftest import REPO, assert_store_consistent

N = 160


def _write_corpus(folder):
    folder.mkdir()
    for i in range(N):
        body = " ".join(
            f"Laporan {i} paragraf {j}: pedagang nomor {i * 7 + j} di pasar {i % 13} menanggapi "
            f"aturan perdagangan elektronik dengan cara yang berbeda-beda, menurut catatan {j}."
            for j in range(12))
        (folder / f"{i:03d}.txt").write_text(
            f"Berita ke-{i} tentang pasar daring\nEkonomi\nSenin, 27 November 2023 13:37 WIB\n{body}\n")


def test_sigkill_then_rerun_is_consistent(tmp_path):
    corpus, data = tmp_path / "corpus", tmp_path / "store"
    _write_corpus(corpus)
    env = {**os.environ, "PANTAU_DATA_DIR": str(data), "PANTAU_EMBEDDING_MODEL": "fake",
           "PANTAU_CHUNK_SIZE": "300", "PANTAU_CHUNK_OVERLAP": "60"}
    cmd = [sys.executable, "-m", "cli", "-v", "ingest", str(corpus)]
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stderr=subprocess.PIPE, text=True)
    batches = 0
    deadline = time.time() + 120
    for line in proc.stderr:  # kill after two batches are indexed, mid-way through a third
        if "indexed a batch" in line:
            batches += 1
            if batches == 2:
                time.sleep(0.05)
                os.kill(proc.pid, signal.SIGKILL)
                break
        assert time.time() < deadline
    proc.wait(30)
    assert proc.returncode == -signal.SIGKILL, "the ingest finished before it could be killed"

    rerun = subprocess.run(cmd + ["--json"], cwd=REPO, env=env, capture_output=True, text=True,
                           timeout=300)
    assert rerun.returncode == 0, rerun.stderr[-2000:]

    settings = Settings(_env_file=None, data_dir=data, embedding_model="fake",
                        chunk_size=300, chunk_overlap=60)
    assert_store_consistent(settings, corpus, N)
