"""Requests the Weaviate adapter makes, against the local Weaviate stand-in.

    python -m bench.weaviate

Ingests the eval PDFs (both sets) one by one through ``ragtime``'s own ingest, then
asks every eval question, re-ingests one document, shares one again (scope change)
and forgets one, counting the REST and gRPC requests each step sent. The hashing
embedder stands in for the model: the requests don't depend on the vectors.
"""

from __future__ import annotations

from collections import Counter

from bench.bedrock import questions
from bench.common import EVAL, scratch_dir
from ragtime.bootstrap import build_services
from ragtime.domain import DocumentScope, Scope
from ragtime.local_files import find_pdfs, ingest_files, local_document
from ragtime.pipeline import search
from ragtime.settings import load_settings
from tests.standins.weaviate import WeaviateStandIn


def counted(server: WeaviateStandIn) -> Counter[str]:
    tally = Counter(r.method for r in server.requests)
    server.clear_requests()
    return tally


def show(label: str, tally: Counter[str], per: int = 1) -> None:
    parts = ", ".join(f"{name} {count / per:.1f}" for name, count in sorted(tally.items()))
    print(f"{label}: {sum(tally.values()) / per:.1f} requests ({parts})")


def main() -> None:
    work = scratch_dir("bench-weaviate")
    scope = DocumentScope("T1", frozenset({"C1"}))
    with WeaviateStandIn() as server:
        settings = load_settings(
            data_dir=work, embedder="hashing", vector_store="weaviate",
            weaviate_url=server.http_url, weaviate_grpc_url=server.grpc_url,
        )  # fmt: skip
        services = build_services(settings)
        pdfs = find_pdfs([EVAL / "pdfs", EVAL / "manuals" / "pdfs"])
        services.store.check()
        show("connect and open the collection", counted(server))
        for pdf in pdfs:
            [outcome] = ingest_files(services, [pdf], scope)
            assert outcome.result is not None
            show(f"ingest {pdf.name} ({outcome.result.chunks} chunks)", counted(server))
        asked = questions()
        for q in asked:
            search(services, question=q["question"], scope=Scope("T1", "C1"))
        show(f"per question ({len(asked)} asked)", counted(server), per=len(asked))
        ingest_files(services, pdfs[:1], scope)
        show(f"re-ingest {pdfs[0].name}", counted(server))
        document_id = local_document(pdfs[0]).document_id
        services.store.set_scope(document_id, DocumentScope("T1", frozenset({"C1", "C2"})))
        show(f"share {pdfs[0].name} again (scope)", counted(server))
        services.store.delete_document(document_id, team_id="T1")
        show(f"forget {pdfs[0].name}", counted(server))
        services.close()


if __name__ == "__main__":
    main()
