"""The SHACL shapes (ontology/shapes.ttl) and kg.validate, driven by the files in tests/data/shapes.

- ``valid.ttl`` gives no result at all;
- each ``invalid/<Shape>--<case>.ttl`` gives a violation of ``<Shape>`` (the shape itself or one
  of its property shapes) whose message contains the ``# expect:`` text of its first line, and
  no violation of any other shape;
- each ``incomplete/<Shape>--<case>.ttl`` conforms, with a warning of ``<Shape>`` likewise.

Further tests tie the shapes to the ontology, so that a property added to the ontology cannot go
unchecked.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pyshacl.errors import ValidationFailure
from rdflib import OWL, RDF, RDFS, SH, XSD, Dataset, Graph, Namespace, URIRef
from rdflib.term import Node

from kg.validate import SHAPES, Report, Result, validate
from kg.vocab import SIKG

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data" / "shapes"
SIKGSH = Namespace(SHAPES)
INVALID = sorted((DATA / "invalid").glob("*.ttl"))
INCOMPLETE = sorted((DATA / "incomplete").glob("*.ttl"))
TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
# Parameters of SHACL core constraint components (https://www.w3.org/TR/shacl/#core-components).
CONSTRAINTS = (
    SH["class"],
    SH.datatype,
    SH.nodeKind,
    SH.minCount,
    SH.maxCount,
    SH.minInclusive,
    SH.maxInclusive,
    SH.minExclusive,
    SH.maxExclusive,
    SH.minLength,
    SH.maxLength,
    SH.pattern,
    SH.languageIn,
    SH.uniqueLang,
    SH.equals,
    SH.disjoint,
    SH.lessThan,
    SH.lessThanOrEquals,
    SH["not"],
    SH["and"],
    SH["or"],
    SH.xone,
    SH.node,
    SH.hasValue,
    SH["in"],
    SH.closed,
)


@pytest.fixture(scope="session")
def ontology() -> Graph:
    return Graph().parse(ROOT / "ontology" / "sikg.ttl", format="turtle")


@pytest.fixture(scope="session")
def shapes() -> Graph:
    return Graph().parse(ROOT / "ontology" / "shapes.ttl", format="turtle")


def _load(path: Path) -> Graph:
    return Graph().parse(path, format="turtle")


def _expected(path: Path) -> tuple[URIRef, str]:
    """The shape a fixture's name gives (``<Shape>--<case>.ttl``) and its ``# expect:`` text."""
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect: "), f"{path.name}: first line must be '# expect: ...'"
    return SIKGSH[path.stem.split("--")[0]], first.removeprefix("# expect: ").strip()


def _node_shapes(shapes: Graph) -> set[URIRef]:
    """The node shapes that select focus nodes (PartialDate, a value shape, has no target)."""
    return {s for s in shapes.subjects(RDF.type, SH.NodeShape) if _has_target(shapes, s)}


def _has_target(shapes: Graph, shape: Node) -> bool:
    return any((shape, target, None) in shapes for target in TARGETS)


def _targets(shapes: Graph, shape: Node, focus: Node, data: Graph) -> bool:
    """Whether ``shape`` targets ``focus`` in ``data`` (which includes the ontology)."""
    for cls in shapes.objects(shape, SH.targetClass):
        for typ in data.objects(focus, RDF.type):
            if cls in data.transitive_objects(typ, RDFS.subClassOf):
                return True
    if focus in set(shapes.objects(shape, SH.targetNode)):
        return True
    if any((focus, p, None) in data for p in shapes.objects(shape, SH.targetSubjectsOf)):
        return True
    return any((None, p, focus) in data for p in shapes.objects(shape, SH.targetObjectsOf))


def _fired_by(result: Result, shape: URIRef, shapes: Graph, data: Graph) -> bool:
    """Whether ``shape`` itself, or one of its property shapes on a node it targets, gave it."""
    if result.shape == shape:
        return True
    return (shape, SH.property, result.shape) in shapes and _targets(
        shapes, shape, result.focus, data
    )


def _check_case(path: Path, severity: str, shapes: Graph, ontology: Graph) -> Report:
    shape, expect = _expected(path)
    assert (shape, RDF.type, SH.NodeShape) in shapes, f"{path.name}: no node shape {shape}"
    data = _load(path)
    report = validate(data, shapes, ontology)
    context = data + ontology
    fired = [r for r in report.results if _fired_by(r, shape, shapes, context)]
    assert any(r.severity == severity and expect in r.message for r in fired), (
        f"{path.name}: expected a {severity} of {shape.n3(shapes.namespace_manager)} "
        f"saying {expect!r}; got:\n{report.text()}"
    )
    # A fixture breaks one thing: no other shape may complain at the same severity.
    others = [r for r in report.results if r.severity == severity and r not in fired]
    assert not others, f"{path.name}: other shapes fired too:\n{report.text()}"
    return report


# --- Data-driven cases -----------------------------------------------------------------------


def test_valid_graph_gives_no_result(shapes: Graph, ontology: Graph) -> None:
    report = validate(_load(DATA / "valid.ttl"), shapes, ontology)
    assert report.conforms
    assert report.results == (), report.text()


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_case(path: Path, shapes: Graph, ontology: Graph) -> None:
    report = _check_case(path, "Violation", shapes, ontology)
    assert not report.conforms


@pytest.mark.parametrize("path", INCOMPLETE, ids=lambda p: p.stem)
def test_incomplete_case(path: Path, shapes: Graph, ontology: Graph) -> None:
    report = _check_case(path, "Warning", shapes, ontology)
    assert report.conforms, report.text()


def test_every_case_is_collected_and_every_node_shape_has_one(shapes: Graph) -> None:
    for folder, cases in (("invalid", INVALID), ("incomplete", INCOMPLETE)):
        assert len(cases) == len(list((DATA / folder).iterdir())), f"stray files in {folder}/"
    node_shapes = _node_shapes(shapes)
    assert len(INVALID) >= len(node_shapes)
    tested = {_expected(path)[0] for path in INVALID}
    assert node_shapes - tested == set(), "node shapes without an invalid/ case"


# --- The shapes against the ontology ---------------------------------------------------------


def _sourced(ontology: Graph) -> set[Node]:
    return set(ontology.subjects(RDF.type, SIKG.SourcedProperty))


def test_backed_by_claim_targets_every_sourced_property(shapes: Graph, ontology: Graph) -> None:
    targets = set(shapes.objects(SIKGSH.BackedByClaimShape, SH.targetSubjectsOf))
    assert targets == _sourced(ontology)


def test_fact_shape_targets_exactly_the_properties_it_checks(shapes: Graph) -> None:
    targets = set(shapes.objects(SIKGSH.FactShape, SH.targetSubjectsOf))
    paths = {shapes.value(prop, SH.path) for prop in shapes.objects(SIKGSH.FactShape, SH.property)}
    assert targets == paths


def test_every_sourced_property_has_its_value_checked(shapes: Graph, ontology: Graph) -> None:
    checked = set(shapes.objects(None, SH.path))
    assert _sourced(ontology) - checked == set()


def _declared(ontology: Graph, prop: URIRef, axiom: URIRef) -> set[Node]:
    """The domains (or ranges) of a property, its own and its super-properties'."""
    return {
        value
        for sup in ontology.transitive_objects(prop, RDFS.subPropertyOf)
        for value in ontology.objects(sup, axiom)
    }


def _properties(ontology: Graph) -> list[URIRef]:
    props = set(ontology.subjects(RDF.type, OWL.ObjectProperty))
    props |= set(ontology.subjects(RDF.type, OWL.DatatypeProperty))
    return sorted(p for p in props if p.startswith(str(SIKG)))


def test_every_domain_is_checked(shapes: Graph, ontology: Graph) -> None:
    missing = []
    for prop in _properties(ontology):
        for domain in _declared(ontology, prop, RDFS.domain):
            owners = set(shapes.subjects(SH.targetSubjectsOf, prop))
            if not any((shape, SH["class"], domain) in shapes for shape in owners):
                missing.append((prop, domain))
    assert missing == []


def test_every_declared_range_is_checked(shapes: Graph, ontology: Graph) -> None:
    missing = []
    for prop in _properties(ontology):
        for rng in ontology.objects(prop, RDFS.range):
            key = SH.datatype if rng.startswith(str(XSD)) else SH["class"]
            if not any(
                _requires(shapes, prop_shape, key, rng)
                for prop_shape in shapes.subjects(SH.path, prop)
            ):
                missing.append((prop, rng))
    assert missing == []


def _requires(shapes: Graph, shape: Node, key: URIRef, value: Node) -> bool:
    """Whether ``shape`` has ``key value``, directly or as one branch of an sh:or."""
    if (shape, key, value) in shapes:
        return True
    return any(
        (branch, key, value) in shapes
        for options in shapes.objects(shape, SH["or"])
        for branch in shapes.items(options)
    )


def test_every_shape_has_a_severity_and_every_constraint_a_message(shapes: Graph) -> None:
    named = {
        s for kind in (SH.NodeShape, SH.PropertyShape) for s in shapes.subjects(RDF.type, kind)
    }
    assert all(isinstance(s, URIRef) for s in named)
    assert {o for o in shapes.objects(None, SH.property)} <= named, "unnamed property shapes"
    assert [s for s in named if len(set(shapes.objects(s, SH.severity))) != 1] == []
    silent = [
        s
        for s in named
        if any((s, c, None) in shapes for c in CONSTRAINTS) and (s, SH.message, None) not in shapes
    ]
    assert silent == []
    sparql = set(shapes.objects(None, SH.sparql))
    assert sparql and [c for c in sparql if (c, SH.message, None) not in shapes] == []


# --- kg.validate -------------------------------------------------------------------------------


def test_report_text_names_node_path_value_and_message(shapes: Graph, ontology: Graph) -> None:
    path = DATA / "invalid" / "FactShape--commander-not-a-person.ttl"
    report = validate(_load(path), shapes, ontology)
    text = report.text()
    assert text.splitlines()[0] == "SHACL validation: 1 violation, 1 warning (does not conform)"
    line = next(line for line in text.splitlines() if "sikg:commander" in line)
    assert line.startswith("Violation  American Expeditionary Force, Siberia (")
    assert "(https://w3id.org/sikg/id/aef-siberia)" in line
    assert "value res:vladivostok" in line
    assert "sikg:commander must point to a sikg:Person." in line
    assert line.endswith("[sikgsh:Fact-commander]")
    (violation,) = report.of_severity("Violation")
    assert violation.focus_label == "American Expeditionary Force, Siberia"
    assert violation.path == "sikg:commander"
    assert (report.violations, report.warnings) == (1, 1)


def test_report_is_sorted_and_deterministic(shapes: Graph, ontology: Graph) -> None:
    data = _load(DATA / "invalid" / "ClaimShape--two-sources.ttl")
    for path in INCOMPLETE[:2]:
        data += _load(path)
    first = validate(data, shapes, ontology)
    assert first.text() == validate(data, shapes, ontology).text()
    severities = [r.severity for r in first.results]
    assert severities == sorted(severities, key=["Violation", "Warning"].index)
    assert first.violations > 0 and first.warnings > 0


def test_complex_paths_are_rendered_in_sparql_syntax(shapes: Graph, ontology: Graph) -> None:
    report = validate(_load(DATA / "incomplete" / "EventShape--no-date.ttl"), shapes, ontology)
    paths = [r.path for r in report.of_severity("Warning")]
    assert paths == ["sikg:date|sikg:startDate|sikg:endDate"]


def test_a_dataset_is_validated_as_the_union_of_its_graphs(shapes: Graph, ontology: Graph) -> None:
    valid = _load(DATA / "valid.ttl")
    dataset = Dataset()
    claims = dataset.graph(URIRef("https://w3id.org/sikg/graph/claims"))
    facts = dataset.graph(URIRef("https://w3id.org/sikg/graph/facts"))
    for s, p, o in valid:
        (claims if str(s).startswith("https://w3id.org/sikg/claim/") else facts).add((s, p, o))
    assert len(claims) and len(facts)
    report = validate(dataset, shapes, ontology)
    assert report.results == (), report.text()


def test_validate_leaves_its_inputs_alone(shapes: Graph, ontology: Graph) -> None:
    data = _load(DATA / "invalid" / "BackedByClaimShape--unbacked-commander.ttl")
    sizes = (len(data), len(shapes), len(ontology))
    assert not validate(data, shapes, ontology).conforms
    assert (len(data), len(shapes), len(ontology)) == sizes


def test_a_broken_shapes_graph_raises(ontology: Graph) -> None:
    broken = Graph().parse(
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        <urn:x:Shape> a sh:NodeShape ; sh:targetNode <urn:x:node> ;
            sh:sparql [ sh:select "SELECT $this WHERE { VALUES ?x { 1 } }" ] .
        """,
        format="turtle",
    )
    with pytest.raises(ValidationFailure):
        validate(Graph(), broken, ontology)
