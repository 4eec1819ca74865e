#!/usr/bin/env python3
"""Draws the 300 user_location values of location_sample_300.tsv (labels are added by hand).

Rule: a seeded random sample (random.Random(20200725)) of 300 rows out of all rows of
covid19_tweets_2020-07-25_early.csv, kept in file order, empty and junk values included as
they come. Tabs and line breaks inside a value are written as single spaces (the TSV has
one row per line).

--holdout draws location_holdout_300.tsv instead: random.Random(20200726), 300 rows among
those the first sample did not pick. It was drawn and labelled after the tables were
written, and is never used to change them: its figures are the out-of-sample ones.

Usage: draw_sample.py CSV [--holdout] > unlabelled.tsv
"""
import csv
import random
import sys


def main() -> None:
    with open(sys.argv[1], newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    picked = sorted(random.Random(20200725).sample(range(len(rows)), 300))
    if "--holdout" in sys.argv[2:]:
        rest = sorted(set(range(len(rows))) - set(picked))
        picked = sorted(random.Random(20200726).sample(rest, 300))
    print("location\tcountry\tregion")
    for i in picked:
        value = rows[i]["user_location"]
        for ch in "\t\r\n":
            value = value.replace(ch, " ")
        print(f"{value}\t\t")


if __name__ == "__main__":
    main()
