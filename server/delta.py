"""What a write would change, worked out before it runs: the quads it adds and removes.

A SPARQL update is split into its operations by a small tokenizer (braces, strings, IRIs and
comments are all it needs to understand), and Oxigraph itself evaluates each part, so the delta
has Oxigraph's semantics:

- ``INSERT DATA`` / ``DELETE DATA``: the block is run as ``INSERT DATA`` on an empty in-memory
  store, which yields exactly its quads;
- ``DELETE/INSERT ... WHERE`` and ``DELETE WHERE``: the WHERE clause runs as a ``SELECT *`` against
  the store (with the operation's ``WITH``/``USING`` dataset, or the protocol's
  ``using-graph-uri``/``using-named-graph-uri``), and each template, its variables replaced by
  placeholder IRIs, is instantiated by an ``INSERT {template} WHERE {}`` on an empty store and then
  filled in per solution in Python (fresh blank nodes per solution, unbound or ill-placed terms
  dropped, as SPARQL 1.1 Update says);
- ``CLEAR``/``DROP``/``CREATE``/``ADD``/``MOVE``/``COPY``: from the quads of the graphs named.

Operations are evaluated in order, each on the state the previous ones leave. Without a WHERE
clause that state is an overlay of the primary store and the delta so far; an operation with a
WHERE clause after one that changed something needs a queryable state, so the primary is copied
first (a RocksDB checkpoint: hard links, a few milliseconds, opened as a scratch store). An update
the tokenizer cannot follow (it never should: the text has passed Oxigraph's parser) is run on such
a copy and the delta is the difference of the two stores, which reads every quad (slow, but
correct). The update text itself is what is applied to the primary afterwards (one Oxigraph
transaction); the delta is only used to know what to validate.
"""

from __future__ import annotations

import re
import shutil
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

PLACEHOLDER = "urn:x-sikg-write:var:"


class NotUnderstoodError(ValueError):
    """The tokenizer could not follow the update (the caller falls back to a store copy)."""


# -- tokens -------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
      (?P<ws>\s+)
    | (?P<comment>\#[^\n\r]*)
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<string>'''(?:'{0,2}(?:[^'\\]|\\.))*'''
               |\"\"\"(?:"{0,2}(?:[^"\\]|\\.))*\"\"\"
               |'(?:[^'\\\n\r]|\\.)*'
               |"(?:[^"\\\n\r]|\\.)*")
    | (?P<var>[?$][0-9A-Za-z_\u00B7\u00C0-\uFFFF]+)
    | (?P<word>(?:[^\s{}()\[\];,<>"'\#?$\\]|\\.)+)
    | (?P<punct>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Token:
    kind: str  # iri, string, var, word, punct
    text: str
    start: int
    end: int

    @property
    def keyword(self) -> str:
        return self.text.upper() if self.kind == "word" else ""


def tokenize(text: str) -> list[Token]:
    tokens = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind in ("ws", "comment"):
            continue
        tokens.append(Token(kind, match.group(), match.start(), match.end()))
    return tokens


# -- operations ---------------------------------------------------------------------------------

GRAPH_OPS = ("CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY")


@dataclass
class Operation:
    """One operation of an update, with the text spans its evaluation needs."""

    kind: str  # insert-data, delete-data, delete-where, modify, load, or a GRAPH_OPS keyword
    start: int
    end: int
    prologue: str  # the BASE and PREFIX declarations in force
    silent: bool = False
    with_iri: str | None = None  # token text
    delete: tuple[int, int] | None = None  # span of a template or data block, braces included
    insert: tuple[int, int] | None = None
    using: list[tuple[bool, str]] = field(default_factory=list)  # (named?, token text)
    where: tuple[int, int] | None = None
    where_keyword: int | None = None  # where USING clauses can be inserted
    graphs: list[str] = field(default_factory=list)  # GRAPH ops: "DEFAULT", "NAMED", "ALL", iri

    @property
    def reads_store(self) -> bool:
        return self.kind in ("modify", "delete-where")

    @property
    def has_dataset_clause(self) -> bool:
        return self.with_iri is not None or bool(self.using)

    def where_query(
        self, text: str, using=(), using_named=(), projection: str = "*"
    ) -> tuple[str, list[ox.NamedNode] | None]:
        """The WHERE clause as a SELECT over the operation's dataset, and the default graph to
        query it with (the WITH graph; None for the store's default graph or the FROMs)."""
        from_clauses = [f"FROM {iri}" for named, iri in self.using if not named]
        from_clauses += [f"FROM NAMED {iri}" for named, iri in self.using if named]
        from_clauses += [f"FROM {ox.NamedNode(iri)}" for iri in using]
        from_clauses += [f"FROM NAMED {ox.NamedNode(iri)}" for iri in using_named]
        default_graph = None
        if self.with_iri is not None and not from_clauses:
            default_graph = [_resolve(self.prologue, self.with_iri)]
        where = text[slice(*self.where)]
        query = f"{self.prologue}\nSELECT {projection} {' '.join(from_clauses)} WHERE {where}"
        return query, default_graph


@dataclass
class Update:
    text: str
    operations: list[Operation]

    def with_protocol_dataset(self, using: list[str], using_named: list[str]) -> str:
        """The text with the protocol's using-graph-uri/using-named-graph-uri as USING clauses.

        SPARQL 1.1 Protocol 2.2.3: they apply to every operation with a WHERE clause; an update
        that has its own USING or WITH clause is refused by the caller.
        """
        if not using and not using_named:
            return self.text
        clauses = " ".join(
            [f"USING {ox.NamedNode(iri)}" for iri in using]
            + [f"USING NAMED {ox.NamedNode(iri)}" for iri in using_named]
        )
        pieces, position = [], 0
        for op in self.operations:
            if op.kind == "modify":
                pieces += [self.text[position : op.where_keyword], clauses, " "]
                position = op.where_keyword
            elif op.kind == "delete-where":
                # DELETE WHERE has no USING clause: spell it as DELETE {QP} USING ... WHERE {QP}.
                block = self.text[op.where[0] : op.where[1]]
                rewritten = f"DELETE {block} {clauses} WHERE {block}"
                pieces += [self.text[position : op.start], rewritten]
                position = op.end
        pieces.append(self.text[position:])
        return "".join(pieces)


def parse_update(text: str) -> Update:
    """The operations of an update that Oxigraph has already parsed successfully."""
    tokens = tokenize(text)
    match = _match_braces(tokens)
    operations: list[Operation] = []
    prologue: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.keyword == "BASE":
            prologue.append(text[token.start : tokens[i + 1].end])
            i += 2
        elif token.keyword == "PREFIX":
            prologue.append(text[token.start : tokens[i + 2].end])
            i += 3
        elif token.text == ";":
            i += 1
        else:
            j = i
            while j < len(tokens) and tokens[j].text != ";":
                j = match.get(j, j) + 1
            operations.append(_operation(text, tokens, match, i, j, "\n".join(prologue)))
            i = j
    return Update(text, operations)


def _match_braces(tokens: list[Token]) -> dict[int, int]:
    match, stack = {}, []
    for index, token in enumerate(tokens):
        if token.kind != "punct":
            continue
        if token.text == "{":
            stack.append(index)
        elif token.text == "}":
            if not stack:
                raise NotUnderstoodError("unbalanced braces")
            match[stack.pop()] = index
    if stack:
        raise NotUnderstoodError("unbalanced braces")
    return match


def _operation(text, tokens, match, i, j, prologue) -> Operation:
    ops = tokens[i:j]
    if not ops:
        raise NotUnderstoodError("empty operation")
    op = Operation("", ops[0].start, ops[-1].end, prologue)
    k = i

    def keyword(at: int) -> str:
        return tokens[at].keyword if at < j else ""

    def group(at: int) -> tuple[tuple[int, int], int]:
        if at >= j or tokens[at].text != "{":
            raise NotUnderstoodError("expected a block")
        end = match[at]
        return (tokens[at].start, tokens[end].end), end + 1

    def iri(at: int) -> str:
        if at >= j or tokens[at].kind not in ("iri", "word"):
            raise NotUnderstoodError("expected an IRI")
        return tokens[at].text

    first = keyword(k)
    if first in ("INSERT", "DELETE") and keyword(k + 1) == "DATA":
        op.kind = "insert-data" if first == "INSERT" else "delete-data"
        block, k = group(k + 2)
        if first == "INSERT":
            op.insert = block
        else:
            op.delete = block
    elif first == "DELETE" and keyword(k + 1) == "WHERE":
        op.kind = "delete-where"
        op.where, k = group(k + 2)
        op.delete = op.where
    elif first in ("WITH", "INSERT", "DELETE"):
        op.kind = "modify"
        if first == "WITH":
            op.with_iri = iri(k + 1)
            k += 2
        if keyword(k) == "DELETE":
            op.delete, k = group(k + 1)
        if keyword(k) == "INSERT":
            op.insert, k = group(k + 1)
        if op.delete is None and op.insert is None:
            raise NotUnderstoodError("a modify operation without a template")
        while keyword(k) == "USING":
            if keyword(k + 1) == "NAMED":
                op.using.append((True, iri(k + 2)))
                k += 3
            else:
                op.using.append((False, iri(k + 1)))
                k += 2
        if keyword(k) != "WHERE":
            raise NotUnderstoodError("expected WHERE")
        op.where_keyword = tokens[k].start
        op.where, k = group(k + 1)
    elif first == "LOAD":
        op.kind = "load"
        k = j
    elif first in GRAPH_OPS:
        op.kind = first
        k += 1
        if keyword(k) == "SILENT":
            op.silent = True
            k += 1
        while k < j:
            word = keyword(k)
            if word in ("DEFAULT", "NAMED", "ALL"):
                op.graphs.append(word)
                k += 1
            elif word == "GRAPH":
                op.graphs.append(iri(k + 1))
                k += 2
            elif word == "TO":
                k += 1
            else:
                op.graphs.append(iri(k))
                k += 1
        expected = 2 if first in ("ADD", "MOVE", "COPY") else 1
        if len(op.graphs) != expected:
            raise NotUnderstoodError(f"{first} names {len(op.graphs)} graphs")
    else:
        raise NotUnderstoodError(f"unknown operation {tokens[i].text!r}")
    if k != j:
        raise NotUnderstoodError("unexpected text after an operation")
    return op


# -- deltas -------------------------------------------------------------------------------------


@dataclass
class Delta:
    """Quads added and removed, and named graphs created and dropped, relative to a base store."""

    added: set[ox.Quad] = field(default_factory=set)
    removed: set[ox.Quad] = field(default_factory=set)
    created: set[ox.NamedNode] = field(default_factory=set)
    dropped: set[ox.NamedNode] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.created or self.dropped)

    def compose(self, effect: Delta, base: ox.Store) -> None:
        """Add the effect of a later operation (computed on the state this delta leads to)."""
        for quad in effect.removed:
            if quad in self.added:
                self.added.discard(quad)
            elif quad in base:
                self.removed.add(quad)
        for quad in effect.added:
            if quad in self.removed:
                self.removed.discard(quad)
            elif quad not in base:
                self.added.add(quad)
        for graph in effect.dropped:
            self.created.discard(graph)
            if base.contains_named_graph(graph):
                self.dropped.add(graph)
        for graph in effect.created:
            self.dropped.discard(graph)
            if not base.contains_named_graph(graph):
                self.created.add(graph)

    def apply_to(self, store: ox.Store) -> None:
        """Make ``store`` (a scratch copy) reflect this delta."""
        for quad in self.removed:
            store.remove(quad)
        for graph in self.dropped:
            store.remove_graph(graph)
        for graph in self.created:
            store.add_graph(graph)
        store.extend(self.added)


class _Index:
    """The quads of a set, by subject, predicate, object and graph, for pattern lookups."""

    def __init__(self, quads: Iterable[ox.Quad]) -> None:
        self.quads = list(quads)
        self.by = [defaultdict(list) for _ in range(4)]
        for quad in self.quads:
            for position, term in enumerate(_terms(quad)):
                self.by[position][term].append(quad)

    def match(self, s, p, o, g) -> list[ox.Quad]:
        pattern = (s, p, o, g)
        candidates = self.quads
        for position, term in enumerate(pattern):
            if term is not None:
                found = self.by[position].get(term, [])
                if len(found) < len(candidates):
                    candidates = found
        return [q for q in candidates if _matches(q, pattern)]


def _terms(quad: ox.Quad) -> tuple:
    return (quad.subject, quad.predicate, quad.object, quad.graph_name)


def _matches(quad: ox.Quad, pattern: tuple) -> bool:
    return all(
        want is None or want == have for want, have in zip(pattern, _terms(quad), strict=True)
    )


class State:
    """A store as some operations have left it: a plain store, or a base store plus a delta."""

    def __init__(self, base: ox.Store, delta: Delta | None = None) -> None:
        self.base = base
        self.delta = delta or Delta()
        self._index: _Index | None = None  # the delta does not change while a State is used

    @property
    def queryable(self) -> bool:
        return not self.delta

    def _added(self) -> _Index:
        if self._index is None:
            self._index = _Index(self.delta.added)
        return self._index

    def quads(self, s=None, p=None, o=None, g=None) -> Iterator[ox.Quad]:
        removed = self.delta.removed
        for quad in self.base.quads_for_pattern(s, p, o, g):
            if quad not in removed:
                yield quad
        if self.delta.added:
            yield from self._added().match(s, p, o, g)

    def __contains__(self, quad: ox.Quad) -> bool:
        if quad in self.delta.added:
            return True
        return quad not in self.delta.removed and quad in self.base

    def has_graph(self, graph: ox.NamedNode) -> bool:
        if graph in self.delta.created or self._added().match(None, None, None, graph):
            return True
        return graph not in self.delta.dropped and self.base.contains_named_graph(graph)

    def named_graphs(self) -> set[ox.NamedNode]:
        graphs = {g for g in self.base.named_graphs() if isinstance(g, ox.NamedNode)}
        graphs -= self.delta.dropped
        graphs |= self.delta.created
        graphs |= {q.graph_name for q in self.delta.added if isinstance(q.graph_name, ox.NamedNode)}
        return graphs

    def select(self, query: str, default_graph=None) -> list[ox.QuerySolution]:
        assert self.queryable
        return list(self.base.query(query, default_graph=default_graph))


class Evaluator:
    """Works out the delta of updates against a primary store."""

    def __init__(self, primary: ox.Store, scratch_dir: Path) -> None:
        self.primary = primary
        self.scratch_dir = scratch_dir

    # -- SPARQL updates -------------------------------------------------------------------------
    def update_delta(
        self, update: Update, using: list[str] = (), using_named: list[str] = ()
    ) -> Delta:
        net = Delta()
        scratch: ox.Store | None = None
        scratch_path: Path | None = None
        try:
            for op in update.operations:
                if scratch is None and op.reads_store and net:
                    scratch_path, scratch = self._scratch_copy()
                    net.apply_to(scratch)
                state = State(scratch) if scratch is not None else State(self.primary, net)
                effect = self._operation(update.text, op, state, list(using), list(using_named))
                if scratch is not None:
                    effect.apply_to(scratch)
                net.compose(effect, self.primary)
        finally:
            if scratch_path is not None:
                del scratch
                shutil.rmtree(scratch_path, ignore_errors=True)
        return net

    def update_delta_by_copy(self, text: str) -> Delta:
        """The delta of any update: run it on a copy of the store and compare (reads every quad)."""
        path, scratch = self._scratch_copy()
        try:
            scratch.update(text)
            before, after = set(self.primary), set(scratch)
            delta = Delta(added=after - before, removed=before - after)
            graphs_before = set(self.primary.named_graphs())
            graphs_after = set(scratch.named_graphs())
            delta.created = {g for g in graphs_after - graphs_before if isinstance(g, ox.NamedNode)}
            delta.dropped = {g for g in graphs_before - graphs_after if isinstance(g, ox.NamedNode)}
            return delta
        finally:
            del scratch
            shutil.rmtree(path, ignore_errors=True)

    def _scratch_copy(self) -> tuple[Path, ox.Store]:
        self.scratch_dir.mkdir(parents=True, exist_ok=True)
        path = self.scratch_dir / uuid.uuid4().hex
        self.primary.backup(str(path))  # a RocksDB checkpoint: hard links, memtable included
        return path, ox.Store(str(path))

    def _operation(self, text, op: Operation, state: State, using, using_named) -> Delta:
        if op.kind == "insert-data":
            return _adding(state, _data_quads(op.prologue, text[slice(*op.insert)]))
        if op.kind == "delete-data":
            return _removing(state, _data_quads(op.prologue, text[slice(*op.delete)]))
        if op.kind in ("modify", "delete-where"):
            return self._modify(text, op, state, using, using_named)
        if op.kind == "load":
            raise NotUnderstoodError("LOAD is not evaluated here")
        return _graph_operation(op, state)

    def _modify(self, text, op: Operation, state: State, using, using_named) -> Delta:
        query, default_graph = op.where_query(text, using, using_named)
        solutions = state.select(query, default_graph=default_graph)
        delete = _template(text, op, op.delete) if op.delete else []
        insert = _template(text, op, op.insert) if op.insert else []
        removed, added = set(), set()
        for solution in solutions:
            removed.update(_instantiate(delete, solution))
            added.update(_instantiate(insert, solution))
        effect = _removing(state, removed)
        # Insertion comes after deletion: a quad both deleted and inserted stays.
        present_after = {q for q in added if q in state and q not in effect.removed}
        effect.added = added - present_after
        return effect


def _adding(state: State, quads: Iterable[ox.Quad]) -> Delta:
    return Delta(added={q for q in quads if q not in state})


def _removing(state: State, quads: Iterable[ox.Quad]) -> Delta:
    return Delta(removed={q for q in quads if q in state})


def _data_quads(prologue: str, block: str) -> list[ox.Quad]:
    scratch = ox.Store()
    scratch.update(f"{prologue}\nINSERT DATA {block}")
    return list(scratch)


def _resolve(prologue: str, iri_text: str) -> ox.NamedNode:
    """An IRI or prefixed name of the update as a NamedNode (BASE and PREFIX applied)."""
    solutions = list(ox.Store().query(f"{prologue}\nSELECT ({iri_text} AS ?iri) {{}}"))
    return solutions[0]["iri"]


def _template(text: str, op: Operation, span: tuple[int, int]) -> list[ox.Quad]:
    """A template's quads, with placeholder IRIs for its variables."""
    start, end = span
    pieces, position = [], start
    for token in tokenize(text[start:end]):
        if token.kind == "var":
            pieces += [text[position : start + token.start], f"<{PLACEHOLDER}{token.text[1:]}>"]
            position = start + token.end
    pieces.append(text[position:end])
    with_clause = f"WITH {op.with_iri} " if op.with_iri else ""
    scratch = ox.Store()
    scratch.update(f"{op.prologue}\n{with_clause}INSERT {''.join(pieces)} WHERE {{}}")
    return list(scratch)


def _instantiate(template: list[ox.Quad], solution: ox.QuerySolution) -> Iterator[ox.Quad]:
    fresh: dict[str, ox.BlankNode] = {}
    for quad in template:
        terms = []
        for term in _terms(quad):
            if isinstance(term, ox.NamedNode) and term.value.startswith(PLACEHOLDER):
                try:
                    term = solution[term.value[len(PLACEHOLDER) :]]
                except (KeyError, IndexError):
                    term = None
                if term is None:
                    break
            elif isinstance(term, ox.BlankNode):
                term = fresh.setdefault(term.value, ox.BlankNode())
            terms.append(term)
        else:
            s, p, o, g = terms
            if (
                isinstance(s, ox.NamedNode | ox.BlankNode)
                and isinstance(p, ox.NamedNode)
                and isinstance(o, ox.NamedNode | ox.BlankNode | ox.Literal)
                and isinstance(g, ox.NamedNode | ox.DefaultGraph)
            ):
                yield ox.Quad(s, p, o, g)


def _graph_operation(op: Operation, state: State) -> Delta:
    def graphs(name: str) -> list:
        if name == "DEFAULT":
            return [ox.DefaultGraph()]
        if name == "NAMED":
            return sorted(state.named_graphs(), key=str)
        if name == "ALL":
            return [ox.DefaultGraph(), *sorted(state.named_graphs(), key=str)]
        return [_resolve(op.prologue, name)]

    def quads_of(graph) -> list[ox.Quad]:
        return list(state.quads(None, None, None, graph))

    effect = Delta()
    if op.kind in ("CLEAR", "DROP"):
        for graph in graphs(op.graphs[0]):
            effect.removed.update(quads_of(graph))
            if op.kind == "DROP" and isinstance(graph, ox.NamedNode):
                effect.dropped.add(graph)
        return effect
    if op.kind == "CREATE":
        graph = graphs(op.graphs[0])[0]
        if not state.has_graph(graph):
            effect.created.add(graph)
        return effect
    source, target = graphs(op.graphs[0])[0], graphs(op.graphs[1])[0]
    if source == target:
        return effect
    copied = {ox.Quad(q.subject, q.predicate, q.object, target) for q in quads_of(source)}
    if op.kind in ("COPY", "MOVE"):
        effect.removed.update(q for q in quads_of(target) if q not in copied)
    effect.added.update(q for q in copied if q not in state)
    if isinstance(target, ox.NamedNode) and not state.has_graph(target):
        effect.created.add(target)
    if op.kind == "MOVE":
        effect.removed.update(quads_of(source))
        if isinstance(source, ox.NamedNode):
            effect.dropped.add(source)
    return effect


# -- the state after a write, as validation sees it ---------------------------------------------


class UnionView:
    """The union of the graphs after a delta, leaving some graphs out (the inferred one)."""

    def __init__(self, base: ox.Store, delta: Delta, leave_out: Iterable = ()) -> None:
        self.state = State(base, delta)
        self.base = base
        self.delta = delta
        self.leave_out = set(leave_out)

    def triples(self, s=None, p=None, o=None) -> Iterator[ox.Triple]:
        seen = set()
        for quad in self.state.quads(s, p, o, None):
            if quad.graph_name in self.leave_out:
                continue
            triple = quad.triple
            if triple not in seen:
                seen.add(triple)
                yield triple

    def has(self, triple: ox.Triple, after: bool = True) -> bool:
        quads = (
            self.state.quads(triple.subject, triple.predicate, triple.object, None)
            if after
            else self.base.quads_for_pattern(triple.subject, triple.predicate, triple.object, None)
        )
        return any(q.graph_name not in self.leave_out for q in quads)

    def changes(self) -> tuple[set[ox.Triple], set[ox.Triple]]:
        """(triples added, triples removed) in the union: a triple still stated in another graph
        is not removed, one already stated elsewhere is not added."""
        added = {
            q.triple
            for q in self.delta.added
            if q.graph_name not in self.leave_out and not self.has(q.triple, after=False)
        }
        removed = {
            q.triple
            for q in self.delta.removed
            if q.graph_name not in self.leave_out and not self.has(q.triple, after=True)
        }
        return added, removed


def graph_delta(
    state: State,
    quads: Iterable[ox.Quad],
    *,
    replace: Iterable | None = None,
) -> Delta:
    """The delta of adding ``quads``, after emptying the graphs in ``replace`` (Graph Store PUT)."""
    quads = set(quads)
    effect = Delta()
    for graph in replace or ():
        effect.removed.update(q for q in state.quads(None, None, None, graph) if q not in quads)
    effect.added = {q for q in quads if q not in state}
    return effect
