"""Plain values passed between the core's parts. No I/O, no framework types."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Page:
    """The text of one PDF page; ``number`` is 1-based."""

    number: int
    text: str


@dataclass(frozen=True, slots=True)
class Chunk:
    """A passage of a document that remembers which pages it came from."""

    document_id: str
    ordinal: int
    text: str
    page_start: int
    page_end: int

    @property
    def chunk_id(self) -> str:
        # Deterministic: re-ingesting a document overwrites, never duplicates.
        return f"{self.document_id}:{self.ordinal:05d}"


@dataclass(frozen=True, slots=True)
class DocumentScope:
    """Where a document may be retrieved: its workspace, its conversations, or all of it."""

    team_id: str
    conversations: frozenset[str] = frozenset()
    workspace_wide: bool = False


@dataclass(frozen=True, slots=True)
class Scope:
    """Who is asking: a question retrieves from documents shared in ``conversation``
    of workspace ``team_id`` plus the workspace's published documents.

    ``conversation`` None is the workspace operator's view: every document of it (never a
    default: a question always says where it was asked)."""

    team_id: str
    conversation: str | None


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    """What the index knows about a document besides its chunks."""

    document_id: str
    title: str
    link: str = ""


@dataclass(frozen=True, slots=True)
class Hit:
    """One retrieved chunk with its fused score and the raw score of each leg."""

    chunk: Chunk
    title: str
    score: float
    vector_score: float
    keyword_score: float
    link: str = ""


@dataclass(frozen=True, slots=True)
class Citation:
    number: int
    document_id: str
    title: str
    page_start: int
    page_end: int
    link: str = ""

    @property
    def pages(self) -> str:
        if self.page_start == self.page_end:
            return f"p. {self.page_start}"
        return f"pp. {self.page_start}-{self.page_end}"


@dataclass(frozen=True, slots=True)
class Timings:
    embed_ms: float = 0.0
    search_ms: float = 0.0
    generate_ms: float = 0.0

    @property
    def total_ms(self) -> float:
        return self.embed_ms + self.search_ms + self.generate_ms


@dataclass(frozen=True, slots=True)
class Answer:
    """A grounded answer; ``found`` is False when the documents did not cover it."""

    text: str
    citations: tuple[Citation, ...]
    found: bool
    generator: str
    model: str = ""
    timings: Timings = field(default_factory=Timings)
    hits: tuple[Hit, ...] = ()
    input_tokens: int | None = None
    output_tokens: int | None = None
