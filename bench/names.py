"""Deterministic, unique English labels for synthetic entities.

Labels must be unique (the label-lookup query finds one entity) and plain ASCII (a quote's
``oa:exact`` must be as many code points long as its span, which is easiest to keep true in
ASCII). Every draw goes through the caller's ``random.Random``, so a seed fixes every label.
"""

from __future__ import annotations

import random

FIRST = (
    "Aleksandr Boris Dmitri Fyodor Grigory Ivan Konstantin Mikhail Nikolai Pavel Sergei Vasily "
    "Yakov Anatoly Kenji Hiroshi Takeo Yoshio Saburo Ichiro Masao William Robert Henry Charles "
    "Edward Frederick Arthur Thomas George Harold Jan Karel Josef Vaclav Radola Pierre Maurice "
    "Louis Emile Giuseppe"
).split()
LAST = (
    "Petrov Ivanov Sokolov Volkov Morozov Lebedev Kozlov Novikov Orlov Semenov Kalmykov Horvat "
    "Rozanov Ataman Tanaka Otani Yamada Suzuki Watanabe Ishii Kato Inoue Hayashi Graves Morrow "
    "Eichelberger Barrows Ward Knox Elmsley Johnson Styles Janin Pichon Syrovy Gajda Cecek "
    "Stefanik Masaryk Fisher Hughes Clarke Dawson Reed Mason Porter Bishop Hale Lowell"
).split()
TITLES = ("General", "Colonel", "Major", "Admiral", "Ataman", "Captain", "Lieutenant")
PLACE_STEMS = (
    "Nikolsk Spassk Khabar Blagovesh Chit Verkhne Nizhne Novo Staro Ussur Amur Zey Tomsk Kansk "
    "Krasno Posyet Suchan Imansk Bikin Sretensk Nerchinsk Kyakht Verkhneudinsk Mysov Tulun "
    "Zima Taishet Achinsk Marinsk Barabinsk"
).split()
PLACE_ENDS = ("ovka", "insk", "ovsk", "sk", "aya", "ino", "-Ussuriski", " Junction", " Station")
UNIT_KINDS = (
    "Infantry Regiment",
    "Rifle Regiment",
    "Cossack Regiment",
    "Battalion",
    "Division",
    "Artillery Brigade",
    "Railway Company",
    "Machine-Gun Company",
    "Cavalry Squadron",
)
POLITY_FORMS = ("Provisional Government of", "Regional Duma of", "Soviet of", "Republic of")
ORG_FORMS = ("Railway Board of", "Red Cross Mission to", "Committee of", "Chamber of Commerce of")
GROUP_FORMS = ("Cossacks of", "Partisans of", "Workers of", "Refugees of", "Merchants of")
EVENT_FORMS = {
    "Landing": "Landing of the {force} at {place}",
    "Deployment": "Deployment of the {force} to {place}",
    "Withdrawal": "Withdrawal of the {force} from {place}",
    "Battle": "Battle of {place}",
    "Occupation": "Occupation of {place} by the {force}",
    "Offensive": "Advance of the {force} on {place}",
    "Agreement": "Agreement of {place}",
    "Decision": "Decision to send the {force} to {place}",
    "Execution": "Execution at {place}",
    "Incident": "Incident at {place}",
}
VERBS = {
    "Landing": "landed at",
    "Deployment": "was sent to",
    "Withdrawal": "left",
    "Battle": "fought at",
    "Occupation": "occupied",
    "Offensive": "advanced on",
    "Agreement": "signed an agreement at",
    "Decision": "was ordered to",
    "Execution": "carried out an execution at",
    "Incident": "was involved in an incident at",
}
DESCRIPTIONS = (
    "a hurried and poorly supplied operation",
    "watched closely by the other Allied contingents",
    "the first of several such movements that year",
    "reported at length in the newspapers of the day",
    "an episode the later histories pass over quickly",
)


class Labeller:
    """Hands out unique labels of each kind; the same seed gives the same sequence."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._used: set[str] = set()
        self._unit_numbers: dict[str, int] = {}

    def _unique(self, label: str) -> str:
        candidate, n = label, 1
        while candidate in self._used:
            n += 1
            candidate = f"{label} {n}"
        self._used.add(candidate)
        return candidate

    def reserve(self, label: str) -> str:
        """Mark a fixed label (a hub entity's) as taken."""
        self._used.add(label)
        return label

    def person(self) -> str:
        r = self._rng
        initial = chr(ord("A") + r.randrange(26))
        return self._unique(f"{r.choice(FIRST)} {initial}. {r.choice(LAST)}")

    def place(self) -> str:
        r = self._rng
        return self._unique(f"{r.choice(PLACE_STEMS)}{r.choice(PLACE_ENDS)}")

    def unit(self) -> str:
        kind = self._rng.choice(UNIT_KINDS)
        number = self._unit_numbers.get(kind, 0) + 1 + self._rng.randrange(3)
        self._unit_numbers[kind] = number
        return self._unique(f"{ordinal(number)} {kind}")

    def polity(self, place: str) -> str:
        return self._unique(f"{self._rng.choice(POLITY_FORMS)} {place}")

    def organisation(self, place: str) -> str:
        return self._unique(f"{self._rng.choice(ORG_FORMS)} {place}")

    def group(self, place: str) -> str:
        return self._unique(f"{self._rng.choice(GROUP_FORMS)} {place}")

    def event(self, kind: str, force: str, place: str) -> str:
        return self._unique(EVENT_FORMS[kind].format(force=force, place=place))

    def work(self, number: int) -> str:
        return self._unique(f"Dispatches from Siberia, part {number}")


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st..."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
