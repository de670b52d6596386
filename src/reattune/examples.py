"""The example conversations that ship with reattune (for ``reattune demo`` and tests).

They are written for this project — invented people, no real data.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from reattune.ingest import ParseOptions

_PACKAGE = "reattune.data.examples"


@dataclass(frozen=True, slots=True)
class Example:
    file: str
    title: str
    options: ParseOptions


def examples() -> list[Example]:
    """The bundled examples with the role options each needs."""
    root = resources.files(_PACKAGE)
    manifest = json.loads(root.joinpath("manifest.json").read_text(encoding="utf-8"))
    return [
        Example(
            file=item["file"],
            title=item["title"],
            options=ParseOptions(
                partner_a=item.get("partner_a"),
                partner_b=item.get("partner_b"),
                therapists=tuple(item.get("therapists", ())),
            ),
        )
        for item in manifest["examples"]
    ]


def copy_examples(folder: Path) -> list[tuple[Example, Path]]:
    """Copy the example files into ``folder`` (created if needed); returns where each went."""
    folder.mkdir(parents=True, exist_ok=True)
    root = resources.files(_PACKAGE)
    out = []
    for example in examples():
        target = folder / example.file
        with resources.as_file(root.joinpath(example.file)) as src:
            shutil.copyfile(src, target)
        out.append((example, target))
    return out
