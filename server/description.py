"""The SPARQL 1.1 Service Description answered by GET /sparql without a query."""

from __future__ import annotations

from flask import Response, url_for

TEMPLATE = """@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
@prefix void: <http://rdfs.org/ns/void#> .

<{endpoint}> a sd:Service ;
    sd:endpoint <{endpoint}> ;
    sd:supportedLanguage sd:SPARQL11Query , sd:SPARQL11Update ;
    sd:resultFormat <http://www.w3.org/ns/formats/SPARQL_Results_JSON> ,
        <http://www.w3.org/ns/formats/SPARQL_Results_XML> ,
        <http://www.w3.org/ns/formats/SPARQL_Results_CSV> ,
        <http://www.w3.org/ns/formats/SPARQL_Results_TSV> ,
        <http://www.w3.org/ns/formats/Turtle> , <http://www.w3.org/ns/formats/N-Triples> ,
        <http://www.w3.org/ns/formats/JSON-LD> , <http://www.w3.org/ns/formats/RDF_XML> ,
        <http://www.w3.org/ns/formats/TriG> , <http://www.w3.org/ns/formats/N-Quads> ;
    sd:feature sd:UnionDefaultGraph , sd:BasicFederatedQuery ;
    sd:defaultDataset [ a sd:Dataset ;
        sd:defaultGraph [ a sd:Graph ; void:triples {triples} ] ] .
"""


def service_description(service) -> Response:
    endpoint = url_for("sparql.sparql", _external=True)
    body = TEMPLATE.format(endpoint=endpoint, triples=len(service.store))
    return Response(body, 200, content_type="text/turtle; charset=utf-8")
