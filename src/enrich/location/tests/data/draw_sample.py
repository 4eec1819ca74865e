#!/usr/bin/env python3
"""Draws the 300 user_location values of location_sample_300.tsv (labels are added by hand).

Rule: a seeded random sample (random.Random(20200725)) of 300 rows out of all rows of
covid19_tweets_2020-07-25_early.csv, kept in file order, empty and junk values included as
they come. Tabs and line breaks inside a value are written as single spaces (the TSV has
one row per line).

--holdout draws the rows of location_holdout_300_labels.tsv instead: random.Random(20200726),
300 rows among those the first sample did not pick. They were drawn and labelled after the
tables were written: their figures are the out-of-sample ones. So that no more than 300
strings of the data file are copied into the project, that file holds the 0-based record
index (header excluded) instead of the string, and the test reads the string from the data.

--vaccine draws the rows of location_vaccine_400_labels.tsv from
vaccination_tweets_before_2021-03-03.csv (covid19-vaccine-tweets): random.Random(20210303),
400 rows out of all its rows, labelled by a second person after the rules for issue 11's
false-confidence classes were written. Its labels file holds record indices too.

Usage: draw_sample.py CSV [--holdout | --vaccine] > unlabelled.tsv
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
    if "--vaccine" in sys.argv[2:]:
        picked = sorted(random.Random(20210303).sample(range(len(rows)), 400))
    holdout = "--holdout" in sys.argv[2:] or "--vaccine" in sys.argv[2:]
    print("row\tcountry\tregion" if holdout else "location\tcountry\tregion")
    for i in picked:
        if holdout:
            print(f"{i}\t\t")
            continue
        value = rows[i]["user_location"]
        for ch in "\t\r\n":
            value = value.replace(ch, " ")
        print(f"{value}\t\t")


if __name__ == "__main__":
    main()
