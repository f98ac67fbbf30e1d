"""Links from our entities to Wikidata: the reviewed link table, the reconciler and enrichment.

``table`` reads and writes ``data/links/wikidata.csv``; ``client`` talks to Wikidata's two
services politely and through a disk cache; ``reconcile`` proposes and scores candidates;
``enrich`` caches chosen facts of linked items; ``links`` turns the table into RDF.
"""
