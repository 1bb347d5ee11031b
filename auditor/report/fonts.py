"""The document font: a free serif with Times New Roman's metrics and every Vietnamese
letter (NĐ 30/2020 asks for Times New Roman). Liberation Serif 2 (Debian
`fonts-liberation2`) first, TeX Gyre Termes (`fonts-texgyre`) second.

The files are named in @font-face rules under the font's own family name (the stylesheets
ask for "Liberation Serif", "TeX Gyre Termes"), so fontconfig never substitutes a font
without Vietnamese glyphs (it maps "Times" to Nimbus Roman: 86 of the 178 letters).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from auditor.errors import SigningError

_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path("/usr/share/texmf"))
_CANDIDATES = (
    (
        "Liberation Serif",
        {
            ("normal", "normal"): "liberation2/LiberationSerif-Regular.ttf",
            ("bold", "normal"): "liberation2/LiberationSerif-Bold.ttf",
            ("normal", "italic"): "liberation2/LiberationSerif-Italic.ttf",
            ("bold", "italic"): "liberation2/LiberationSerif-BoldItalic.ttf",
        },
    ),
    (
        "TeX Gyre Termes",
        {
            ("normal", "normal"): "tex-gyre/texgyretermes-regular.otf",
            ("bold", "normal"): "tex-gyre/texgyretermes-bold.otf",
            ("normal", "italic"): "tex-gyre/texgyretermes-italic.otf",
            ("bold", "italic"): "tex-gyre/texgyretermes-bolditalic.otf",
        },
    ),
)


@dataclass(frozen=True)
class DocumentFont:
    name: str
    faces: dict[tuple[str, str], Path]  # (weight, style) → file

    def css(self) -> str:
        return "\n".join(
            f'@font-face {{ font-family: "{self.name}"; font-weight: {weight}; '
            f'font-style: {style}; src: url("{path.as_uri()}"); }}'
            for (weight, style), path in self.faces.items()
        )


def _find(relative: str) -> Path | None:
    for base in _DIRS:
        for candidate in (base / "truetype" / relative, base / "opentype" / relative):
            if candidate.is_file():
                return candidate
        if base.is_dir():
            name = Path(relative).name
            found = next(iter(sorted(base.rglob(name))), None)
            if found is not None:
                return found
    return None


def document_font() -> DocumentFont:
    """The first candidate with all four faces installed, or a clear error naming the
    package to install."""
    for name, faces in _CANDIDATES:
        paths = {key: _find(relative) for key, relative in faces.items()}
        if all(p is not None for p in paths.values()):
            return DocumentFont(name, {k: p for k, p in paths.items() if p is not None})
    raise SigningError("pdf.font_missing")
