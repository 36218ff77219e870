"""Local authority area codes: any code is accepted, and one that claims to be an ONS (GSS) code is
checked for the shape of an upper-tier authority in England.

Children's services, and so safeguarding partnerships and joint inspections, belong to England's
153 upper-tier local authorities, whose ONS codes are E06 (unitary authorities), E08 (metropolitan
districts), E09 (London boroughs and the City of London) or E10 (county councils) followed by six
digits. No table of those codes and names is bundled: none could be checked against the ONS
register here, and an unchecked table would put wrong names on an inspector's page. So a code is
checked for its shape only, and a name is shown only when a return gives one.

A code that is not a GSS code at all (a local label such as `northfield`) is accepted as written:
areas are grouped by the code exactly as the returns give it.
"""

from __future__ import annotations

import re

UPPER_TIER = re.compile(r"E(06|08|09|10)\d{6}")
GSS = re.compile(r"[EWSNK]\d{8}")
SHAPE = "E06, E08, E09 or E10 followed by six digits"


def code_problem(code: str) -> str | None:
    """Why a code that looks like an ONS (GSS) code is not an upper-tier authority's in England; None
    when it is one, or when it is not a GSS code at all (a local label, accepted as written)."""
    if UPPER_TIER.fullmatch(code) or not GSS.fullmatch(code):
        return None
    if code.startswith("E07"):
        return (f"{code} is a lower-tier district (E07): children's services belong to its county council "
                f"(E10); an upper-tier code is {SHAPE}")
    if not code.startswith("E"):
        return f"{code} is a GSS code outside England; an upper-tier code in England is {SHAPE}"
    return f"{code} is a GSS code but not an upper-tier local authority's ({SHAPE})"
