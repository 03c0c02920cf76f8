"""BM25, vector distances and hybrid fusion, following the server's algorithms.

BM25 (BlockMax WAND in the server):
    idf(t)   = ln(1 + (N - n + 0.5) / (n + 0.5)) * (times t is repeated in the query)
    score(d) = sum over queried properties p and query terms t in d:
               idf(t) * f / (f + k1 * (1 - b + b * len(d, p) / avg_len)) * boost(p)
with N the number of objects in the tenant and n the number of them holding t (unfiltered;
over several properties the mean, in whole numbers, of the properties holding it). len(d, p)
counts all tokens of d's property; avg_len is, as in the server's property-length tracker, the
mean number of DISTINCT tokens per object holding the property, averaged over the queried
properties (equal to the mean length when no object repeats a word).
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

from .errors import StandInError
from .schema import TEXT_TYPES
from .storage import Collection, StoredObject
from .text import STOPWORDS_EN, tokenize, tokenize_value

PropBoost = tuple[dict[str, Any], float]  # a queried property and its boost


@dataclass
class Scored:
    obj: StoredObject
    score: float
    secondary: float  # the leg's own score: bm25, or 1 - distance
    explain: str = ""
    distance: float | None = None
    scored: bool = True  # whether the reply reports `score` (not for fetches and near_vector)


def _missing_searchable(name: str) -> StandInError:
    return StandInError(
        f"Searching by property '{name}' requires inverted index. Is `indexSearchable` option "
        f"of property '{name}' enabled? Set it to `true` or leave empty"
    )


def _query_props(coll: Collection, properties: list[str]) -> list[PropBoost]:
    if not properties:
        searchable = [
            p
            for p in coll.schema["properties"]
            if p["dataType"][0] in TEXT_TYPES and p["indexSearchable"]
        ]
        return [(p, 1.0) for p in searchable]
    out: list[PropBoost] = []
    for spec in properties:
        name, _, boost = spec.partition("^")
        prop = coll.prop(name)
        if prop is None or prop["dataType"][0] not in TEXT_TYPES or not prop["indexSearchable"]:
            raise _missing_searchable(name)
        if all(prop is not seen for seen, _ in out):
            out.append((prop, float(boost) if boost else 1.0))
    return out


def _lengths(
    props: list[PropBoost], objects: list[StoredObject]
) -> tuple[dict[str, dict[str, Counter[str]]], float]:
    """Term counts per property and object, and the average property length."""
    tf: dict[str, dict[str, Counter[str]]] = {}
    means = []
    for prop, _ in props:
        per_doc = {
            o.uuid: Counter(tokenize_value(o.properties[prop["name"]], prop["tokenization"]))
            for o in objects
            if o.properties.get(prop["name"]) is not None
        }
        tf[prop["name"]] = per_doc
        means.append(sum(len(c) for c in per_doc.values()) / len(per_doc) if per_doc else 0.0)
    avg_len = sum(means) / len(means) if means else 0.0
    if avg_len == 0 or math.isnan(avg_len):
        avg_len = 40.0  # the server's fallback
    return tf, avg_len


def _idf(
    props: list[PropBoost],
    tf: dict[str, dict[str, Counter[str]]],
    terms_by_tok: dict[str, Counter[str]],
    n_docs: int,
) -> dict[tuple[str, str], float]:
    idf: dict[tuple[str, str], float] = {}
    for tok, terms in terms_by_tok.items():
        for term, repeats in terms.items():
            counts = [
                sum(1 for c in tf[p["name"]].values() if term in c)
                for p, _ in props
                if p["tokenization"] == tok
            ]
            holding = [c for c in counts if c > 0]
            n = sum(holding) // len(holding) if holding else 0
            idf[tok, term] = math.log(1 + (n_docs - n + 0.5) / (n + 0.5)) * repeats
    return idf


def bm25(
    coll: Collection,
    objects: list[StoredObject],
    allowed: set[str] | None,
    query: str,
    properties: list[str],
    *,
    require_all: bool = False,
    minimum_match: int = 1,
) -> list[Scored]:
    """All matching allowed objects, best first; statistics over all `objects` of the tenant."""
    k1, b = coll.bm25
    props = _query_props(coll, properties)
    tf, avg_len = _lengths(props, objects)
    stopwords = STOPWORDS_EN if coll.stopword_preset == "en" else frozenset()
    terms_by_tok: dict[str, Counter[str]] = {}
    for prop, _ in props:
        tok = prop["tokenization"]
        terms = Counter(tokenize(query, tok))
        if tok == "word":
            terms = Counter({t: c for t, c in terms.items() if t not in stopwords})
        terms_by_tok[tok] = terms
    idf = _idf(props, tf, terms_by_tok, len(objects))
    results = []
    for obj in objects:
        if allowed is not None and obj.uuid not in allowed:
            continue
        score, explain = 0.0, []
        for prop, boost in props:
            doc = tf[prop["name"]].get(obj.uuid) or Counter()
            terms = terms_by_tok[prop["tokenization"]]
            matched = [t for t in terms if t in doc]
            if not matched or len(matched) < (len(terms) if require_all else minimum_match):
                continue
            length = sum(doc.values())
            for term in matched:
                f = doc[term]
                norm = f / (f + k1 * (1 - b + b * length / avg_len))
                score += idf[prop["tokenization"], term] * norm * boost
                explain.append(f"BM25F_{term}_frequency:{f}, BM25F_{term}_propLength:{length}")
        if explain:
            results.append(Scored(obj, score, score, ", " + ", ".join(explain)))
    results.sort(key=lambda s: (-s.score, s.obj.seq))
    return results


def distance(metric: str, a: list[float], b: list[float]) -> float:
    if len(a) != len(b):
        raise StandInError(
            "vector search: knn search: distance between entrypoint and query node: "
            f"vector lengths don't match: {len(b)} vs {len(a)}"
        )
    if metric == "cosine":
        norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
        return 1.0 - (sum(x * y for x, y in zip(a, b, strict=True)) / norm if norm else 0.0)
    if metric == "dot":
        return -sum(x * y for x, y in zip(a, b, strict=True))
    if metric == "l2-squared":
        return sum((x - y) ** 2 for x, y in zip(a, b, strict=True))
    if metric == "manhattan":
        return sum(abs(x - y) for x, y in zip(a, b, strict=True))
    return float(sum(1 for x, y in zip(a, b, strict=True) if x != y))  # hamming


def vector_search(
    objects: list[StoredObject], target: str, metric: str, query: list[float]
) -> list[Scored]:
    """Allowed objects holding the target vector, nearest first (score = 1 - distance)."""
    results = []
    for obj in objects:
        vector = obj.vectors.get(target)
        if vector is not None:
            dist = distance(metric, vector, query)
            results.append(Scored(obj, 1 - dist, 1 - dist, distance=dist, scored=False))
    results.sort(key=lambda s: (s.distance, s.obj.seq))
    return results


def resolve_target(coll: Collection, targets: list[str]) -> str:
    spaces = coll.vector_spaces
    if not targets:
        if len(spaces) == 1:
            return next(iter(spaces))
        raise StandInError(
            f"multiple vectors configured for class {coll.name}: {sorted(spaces)}, "
            "please specify a target vector"
        )
    if len(targets) > 1:
        raise StandInError("the stand-in supports a single target vector per query")
    if targets[0] not in spaces:
        raise StandInError(
            f"class {coll.name} does not have named vector {targets[0]} configured. "
            f"Available named vectors {sorted(spaces)}"
        )
    return targets[0]


def _compare(a: Scored, b: Scored) -> int:
    if (b.score - a.score) ** 2 < 1e-14:
        if (b.secondary - a.secondary) ** 2 < 1e-14:
            return -1 if a.obj.uuid < b.obj.uuid else int(a.obj.uuid > b.obj.uuid)
        return -1 if a.secondary > b.secondary else 1
    return -1 if a.score > b.score else 1


def fuse(legs: list[tuple[str, float, list[Scored]]], ranked: bool) -> list[Scored]:
    """relativeScore (min-max normalised, weighted) or ranked (weight / (60 + rank)) fusion."""
    fused: dict[str, Scored] = {}
    for name, weight, results in legs:
        values = [r.secondary for r in results]
        low, high = (min(values), max(values)) if values else (0.0, 0.0)
        for rank, res in enumerate(results):
            if ranked:
                score = weight / (rank + 60)
                note = f"Hybrid (Result Set {name}) Document {res.obj.uuid} contributed {score}"
            else:
                score = weight * ((res.secondary - low) / (high - low) if high != low else 1.0)
                note = (
                    f"Hybrid (Result Set {name}) Document {res.obj.uuid}: "
                    f"original score {res.secondary}, normalized score: {score}"
                )
            previous = fused.get(res.obj.uuid)
            if previous is not None:
                score += previous.score
                note = f"{note} - {previous.explain}"
            fused[res.obj.uuid] = Scored(res.obj, score, res.secondary, note)
    return sorted(fused.values(), key=functools.cmp_to_key(_compare))
