"""A first end-to-end check; the thorough tests live beside it."""

from calaimfiles.layouts import LAYOUT_NAMES, load_layout


def test_every_layout_loads_with_its_code_sets() -> None:
    for name in LAYOUT_NAMES:
        layout = load_layout(name)
        assert layout.columns
        assert all(c.codeset in layout.codesets for c in layout.columns if c.codeset)
