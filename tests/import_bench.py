"""A guest list of N rows for timing `frontdesk customers import` (issue 14: 100,000 rows, ≤ 60 s, ≤ 200 MB).

    python -m tests.import_bench /tmp/guests.csv 100000
    /usr/bin/time -f "%e s %M KB" frontdesk customers import /tmp/guests.csv --db URL

Every tenth guest shares a household phone with the one before (another name: possible_duplicate), every
fiftieth repeats an earlier guest (merged), and every thousandth has a bad email (refused, so give
--skip-bad). Not a committed file: 100,000 rows are made in about a second.
"""

from __future__ import annotations

import sys
from pathlib import Path

FIRST = ("Ana", "José", "Zoë", "王", "محمد", "Ben", "Łukasz", "Søren", "Amélie", "Kofi")
LAST = ("García", "Müller", "Ng", "小明", "الأحمد", "Okafor", "Nowak", "Øster", "Dubois", "Mensah")


def write_guest_list(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        out.write("First name;Last name;Mobile;E-Mail;Notes;Customer since;Visits;Consent text\r\n")
        for n in range(rows):
            guest = n - 7 if n % 50 == 49 else n
            household = guest % 10 == 9
            phone = guest - 1 if household else guest
            email = "not-an-email" if n % 1000 == 999 else f"guest{guest}@example.com"
            out.write(f"{FIRST[guest % 10]};{LAST[guest // 10 % 10]} {guest};+49 151 {10_000_000 + phone};{email};"
                      f"likes table {guest % 40};{1 + guest % 28:02}.{1 + guest % 12:02}.2024;{guest % 30};"
                      f"{'yes' if guest % 3 else 'no'}\r\n")


if __name__ == "__main__":
    write_guest_list(Path(sys.argv[1]), int(sys.argv[2]))
