from kg.gazetteer import Gazetteer


def test_longest_alias_wins_and_words_are_bounded():
    gaz = Gazetteer({"Czech Legion": "legion", "Czech": "czech", "Graves": "graves"})
    found = gaz.mentions("The Czech Legion met Czechs and General Graves; Gravesend is not him.")
    assert [(m.entity, m.surface) for m in found] == [
        ("legion", "Czech Legion"),
        ("graves", "Graves"),
    ]


def test_mentions_within_a_span_only():
    gaz = Gazetteer({"Omsk": "omsk"})
    text = "Omsk. Then Omsk again."
    assert [m.start for m in gaz.mentions(text, 5)] == [11]
