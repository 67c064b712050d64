"""US states as documents write them and as people ask about them: a report's "Seward, AK" is the question's
"Seward, Alaska". ``spelled`` writes a state's postal code out where it follows a place ("Alton, NH" ->
"Alton, New Hampshire"), so that words and names compare equal; ``codes_named`` gives the codes of the states a
question spells out, for the keyword search of chunks that only hold the code.
"""

from __future__ import annotations

import re

STATES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California", "CO": "Colorado",
    "CT": "Connecticut", "DE": "Delaware", "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho",
    "IL": "Illinois", "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana",
    "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota",
    "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
    "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York", "NC": "North Carolina",
    "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania",
    "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas",
    "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington", "WV": "West Virginia",
    "WI": "Wisconsin", "WY": "Wyoming", "DC": "District of Columbia", "PR": "Puerto Rico", "GU": "Guam",
}
# A code counts only in a place's address: after "Town," written in mixed case, and not followed by another word
# in capitals ("Seward, AK 99664" and "Alton, NH (NH15)" are addresses; "SIGNED, IN WITNESS" is not).
_CODE = re.compile(r"(?<=[a-z.]), (" + "|".join(STATES) + r")\b(?![-'’]?\s*[A-Z]{2,}\b)")
_NAMED = re.compile(r"\b(" + "|".join(sorted(map(re.escape, STATES.values()), key=len, reverse=True)) + r")\b")
_CODE_OF = {name: code for code, name in STATES.items()}


def spelled(text: str) -> str:
    """``text`` with each state code that follows a place written out: "Seward, AK" -> "Seward, Alaska"."""
    if ", " not in text:
        return text
    return _CODE.sub(lambda m: ", " + STATES[m.group(1)], text)


def codes_named(text: str) -> list[str]:
    """The postal codes of the states ``text`` spells out, in order: "near Seward, Alaska" -> ["AK"]."""
    return list(dict.fromkeys(_CODE_OF[m.group(1)] for m in _NAMED.finditer(text)))
