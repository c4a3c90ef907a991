"""docs/catalog.md lists exactly the built-in models with their current figures.

Regenerate the list after changing the catalog with
``python tests/hardware/test_hardware_docs.py`` and paste it under "## The models".
"""

from __future__ import annotations

import re
from pathlib import Path

from hashwinter.hardware import Catalog, default_catalog, load_catalog

DOC = Path(__file__).resolve().parents[2] / "docs" / "catalog.md"


def _num(x: float) -> str:
    return f"{x:,.4g}" if x < 10 else f"{x:,.1f}".rstrip("0").rstrip(".")


def models_table(catalog: Catalog) -> str:
    lines = ["### SHA-256 ASICs", "",
             "| Model | Maker | Release | TH/s | W | J/TH | Launch USD | Aliases |",
             "|---|---|---|---:|---:|---:|---:|---|"]
    for m in catalog.machines(kind="asic", algorithm="sha256"):
        price = f"{m.launch_price_usd:,.0f}" if m.launch_price_usd else ""
        release = f"{m.release:%Y-%m}" if m.release else ""
        lines.append(
            f"| {m.model} | {m.maker} | {release} | {_num(m.hashrate_ths)} | {m.power:,.0f} "
            f"| {m.efficiency_j_per_th:.1f} | {price} | {', '.join(m.aliases)} |"
        )
    lines += ["", "### Ethash ASICs", "",
              "| Model | Maker | Release | MH/s | W | J/MH | Launch USD | Aliases |",
              "|---|---|---|---:|---:|---:|---:|---|"]
    for m in catalog.machines(kind="asic", algorithm="ethash"):
        price = f"{m.launch_price_usd:,.0f}" if m.launch_price_usd else ""
        release = f"{m.release:%Y-%m}" if m.release else ""
        lines.append(
            f"| {m.model} | {m.maker} | {release} | {m.hashrate_mhs:.1f} | {m.power:,.0f} "
            f"| {m.efficiency_j_per_mh:.2f} | {price} | {', '.join(m.aliases)} |"
        )
    lines += ["", "### Ethash GPUs (one card)", "",
              "| Model | Maker | Release | MH/s | W | J/MH | Launch USD (MSRP) | Aliases |",
              "|---|---|---|---:|---:|---:|---:|---|"]
    for m in catalog.machines(kind="gpu"):
        price = f"{m.launch_price_usd:,.0f}" if m.launch_price_usd else ""
        release = f"{m.release:%Y-%m}" if m.release else ""
        lines.append(
            f"| {m.model} | {m.maker} | {release} | {m.hashrate_mhs:.1f} | {m.power:,.0f} "
            f"| {m.efficiency_j_per_mh:.2f} | {price} | {', '.join(m.aliases)} |"
        )
    return "\n".join(lines) + "\n"


def test_docs_list_the_builtin_models() -> None:
    text = DOC.read_text(encoding="utf-8")
    table = models_table(default_catalog())
    assert "| Antminer S9 | Bitmain | 2017-08 | 13.5 | 1,323 | 98.0 |" in table
    assert table in text, "stale docs/catalog.md: run python tests/hardware/test_hardware_docs.py"


def test_docs_examples_load(tmp_path: Path) -> None:
    text = DOC.read_text(encoding="utf-8")
    blocks = dict(re.findall(r"```(toml|csv)\n(.*?)```", text, flags=re.DOTALL))
    merged = default_catalog()
    for kind in ("toml", "csv"):
        path = tmp_path / f"farm.{kind}"
        path.write_text(blocks[kind], encoding="utf-8")
        user = load_catalog(path)
        assert list(user) == ["Antminer S9", "S9 tuned", "RX 580 (our rigs)"]
        merged = merged.merged_with(user)
    assert merged.get("蚂蚁S9").power == 1400.0
    assert merged.get("our s9").hashrate == 13.0e12
    assert merged.get("rx 580 our rigs").hashrate_mhs == 31.5


if __name__ == "__main__":
    print(models_table(default_catalog()), end="")
