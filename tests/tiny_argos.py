"""A small but real Argos package, built at test time: a SentencePiece model trained on the
sample site's text and a 1-layer CTranslate2 Transformer with seeded random weights, zipped
with metadata.json the way Argos packages are. It translates nonsense, deterministically,
through exactly the code path a real package takes (install -> load -> tokenize -> decode)."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SOURCES = REPO / "data" / "sample_site" / "sources"
D_MODEL, FFN, HEADS = 32, 64, 2


def _set(spec: object, path: str, value: np.ndarray) -> None:
    target = spec
    parts = path.split("/")
    for part in parts[:-1]:
        match = re.fullmatch(r"(.+)_(\d+)", part)
        if match and isinstance(getattr(target, match.group(1), None), list):
            target = getattr(target, match.group(1))[int(match.group(2))]
        else:
            target = getattr(target, part)
    setattr(target, parts[-1], value)


def _shape(name: str, vocab: int) -> tuple[int, ...]:
    d, f = D_MODEL, FFN
    if name.endswith(("embeddings/weight", "embeddings_0/weight", "projection/weight")):
        return (vocab, d)
    if name.endswith(("gamma", "beta")):
        return (d,)
    if "/ffn/linear_0/" in name:
        return (f, d)
    if "/ffn/linear_1/" in name:
        return (d, f)
    if "/self_attention/linear_0/" in name:
        return (3 * d, d)  # fused query, key, value
    if "/attention/linear_1/" in name and "self_attention" not in name:
        return (2 * d, d)  # cross-attention: fused key, value
    return (d, d)


def build_tiny_package(
    folder: Path, *, from_code: str = "ar", to_code: str = "en", version: str = "0.1"
) -> Path:
    import ctranslate2
    import sentencepiece as spm

    folder.mkdir(parents=True, exist_ok=True)
    lines = (SOURCES / "docs.ar").read_text(encoding="utf-8").splitlines()[:150]
    lines += (SOURCES / "docs.en").read_text(encoding="utf-8").splitlines()[:150]
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines),
        model_writer=model,
        vocab_size=300,
        character_coverage=1.0,
        model_type="unigram",
        minloglevel=2,
        bos_id=1,
        eos_id=2,
        unk_id=0,
        pad_id=-1,
    )
    processor = spm.SentencePieceProcessor(model_proto=model.getvalue())
    pieces = [processor.id_to_piece(i) for i in range(processor.get_piece_size())]

    spec = ctranslate2.specs.TransformerSpec.from_config((1, 1), HEADS)
    rng = np.random.default_rng(7)
    for name, value in spec.variables(ordered=True):
        if value is None:
            shape = _shape(name, len(pieces))
            array = (
                np.ones(shape)
                if name.endswith("gamma")
                else np.zeros(shape)
                if name.endswith("beta")
                else rng.normal(0, 0.3, shape)
            )
            _set(spec, name, array.astype(np.float32))
    spec.register_source_vocabulary(pieces)
    spec.register_target_vocabulary(pieces)
    spec.validate()
    name = f"translate-{from_code}_{to_code}-{version.replace('.', '_')}"
    model_dir = folder / "build" / name / "model"
    model_dir.mkdir(parents=True)
    spec.save(str(model_dir))
    metadata = {
        "package_version": version,
        "argos_version": "1.9.0",
        "from_code": from_code,
        "to_code": to_code,
        "from_name": from_code,
        "to_name": to_code,
    }
    package = folder / f"{name}.argosmodel"
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr(f"{name}/metadata.json", json.dumps(metadata))
        archive.writestr(f"{name}/sentencepiece.model", model.getvalue())
        for file in sorted(model_dir.iterdir()):
            archive.write(file, f"{name}/model/{file.name}")
    return package
