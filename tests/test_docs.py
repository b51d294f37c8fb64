"""The knowledge the code cites lives in the repository: docs/domain.md sections, docs/deploy.md variables."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOMAIN_DOC = ROOT / "docs" / "domain.md"
DEPLOY_DOC = ROOT / "docs" / "deploy.md"
CITING_DIRS = ("pts", "tests", "bench")
BINARY = {".mo", ".png", ".jpg", ".jpeg", ".ttf", ".woff", ".woff2", ".pdf", ".xlsx", ".sqlite3", ".pyc"}

# The old reference outside the project, as "<NAME>.md" or "<NAME> §4"; built so this file does not cite it.
OUTSIDE_DOC = re.compile("DOMAIN" + r"(?:\.md|\s*§)")
CITATION = re.compile(r"docs/domain\.md\s*§(\d+)(?:\s*[-–]\s*§?(\d+))?")
HEADING = re.compile(r"^## §(\d+) \S", re.MULTILINE)
INTERNAL = re.compile(r"§(\d+)")
ENV_READ = re.compile(r"""(?:environ(?:\.get)?\s*[(\[]|getenv\(|env_(?:int|bool)\()\s*["']([A-Z][A-Z0-9_]+)["']""")


def text_files(*dirs: str) -> list[Path]:
    found = []
    for name in dirs:
        for path in sorted((ROOT / name).rglob("*")):
            if path.is_file() and path.suffix not in BINARY and "__pycache__" not in path.parts:
                found.append(path)
    return found


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


def sections() -> list[int]:
    return [int(n) for n in HEADING.findall(read(DOMAIN_DOC))]


def cited_sections(text: str) -> set[int]:
    cited: set[int] = set()
    for first, last in CITATION.findall(text):
        cited.update(range(int(first), int(last or first) + 1))
    return cited


def test_nothing_in_the_code_cites_the_domain_notes_outside_the_repository():
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in text_files(*CITING_DIRS)
        for number, line in enumerate(read(path).splitlines(), start=1)
        if OUTSIDE_DOC.search(line)
    ]
    assert offenders == [], "cite docs/domain.md §N instead:\n" + "\n".join(offenders)


def test_domain_sections_are_numbered_one_to_n_without_gaps():
    numbers = sections()
    assert numbers, "docs/domain.md has no '## §N' headings"
    assert numbers == list(range(1, len(numbers) + 1))


def test_every_section_the_code_cites_exists():
    known = set(sections())
    missing = [
        f"{path.relative_to(ROOT)}: §{n}"
        for path in [*text_files(*CITING_DIRS), ROOT / "README.md"]
        for n in sorted(cited_sections(read(path)) - known)
    ]
    assert missing == [], "cited but not in docs/domain.md:\n" + "\n".join(missing)


def test_domain_notes_refer_only_to_their_own_sections():
    known = set(sections())
    referred = {int(n) for n in INTERNAL.findall(read(DOMAIN_DOC))}
    assert referred - known == set()


def test_every_environment_variable_the_code_reads_is_documented_for_deployment():
    names = {name for path in (ROOT / "pts").rglob("*.py") for name in ENV_READ.findall(read(path))}
    assert {"PTS_ENV", "PTS_SECRET_KEY", "DATABASE_URL"} <= names  # the scan finds what settings.py reads
    documented = read(DEPLOY_DOC)
    assert sorted(n for n in names if f"`{n}`" not in documented) == []
