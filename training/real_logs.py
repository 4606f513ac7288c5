#!/usr/bin/env python3
"""Turns the public real logs in ../shared/datasets/real-logs into what a merchant would upload: daily parts.

Nothing here interprets the data for the model: rows keep their source layout (Taobao) or become the orders export
a shop would produce (DIGINETICA: orders joined with the product catalogue's categories), and a mapping in
training/mappings/ ingests them. The output lives outside the repository (the data has no redistribution licence).

  python3 training/real_logs.py taobao     --data ../shared/datasets/real-logs/taobao-userbehavior-head84k --out /tmp/taobao
  python3 training/real_logs.py diginetica --data ../shared/datasets/real-logs/diginetica --out /tmp/diginetica

Both write <out>/<yyyy-MM-dd>/part-0001.csv (UTC days), the layout `demand evaluate --logs` and blob uploads use.
Standard library only.
"""
import argparse
import csv
import datetime
import os
import sys


def write_days(out, rows_by_day, header=None, delimiter=","):
    for day, rows in sorted(rows_by_day.items()):
        folder = os.path.join(out, day)
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "part-0001.csv"), "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f, delimiter=delimiter, lineterminator="\n")
            if header:
                writer.writerow(header)
            writer.writerows(rows)
    return sum(len(r) for r in rows_by_day.values())


def taobao(data, out):
    """UserBehavior rows unchanged (user,item,category,behavior,unix-seconds), one part per UTC day of the event."""
    by_day = {}
    with open(os.path.join(data, "UserBehavior_head84k.csv"), newline="", encoding="utf-8") as f:
        for row in csv.reader(f):
            try:
                day = datetime.datetime.fromtimestamp(int(row[4]), datetime.timezone.utc).date().isoformat()
            except (ValueError, IndexError, OverflowError, OSError):
                day = "unparsable"
            by_day.setdefault(day, []).append(row)
    # A row whose time cannot be read still goes to the merchant's upload: ingestion rejects it with a reason.
    if "unparsable" in by_day:
        first = min(d for d in by_day if d != "unparsable")
        by_day.setdefault(first, []).extend(by_day.pop("unparsable"))
    return write_days(out, by_day)


def diginetica(data, out):
    """The orders export a shop would produce: one line item per row, joined with the catalogue's category."""
    categories = {}
    with open(os.path.join(data, "product-categories.csv"), newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter=";"):
            categories[row["itemId"]] = row["categoryId"]
    by_day = {}
    anonymous = 0
    with open(os.path.join(data, "train-purchases.csv"), newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter=";"):
            if row["userId"] == "NA":
                # Guest checkouts: no customer id, nothing to build a profile on (a shop's export would not name them either).
                anonymous += 1
                continue
            item = row["itemId"]
            by_day.setdefault(row["eventdate"], []).append(
                [row["ordernumber"] + "-" + item, row["userId"], "order", row["eventdate"], item, categories.get(item, "")])
    print(f"diginetica: {anonymous:,} guest line items left out (no customer id)", file=sys.stderr)
    return write_days(out, by_day, header=["line", "customer", "kind", "date", "item", "category"])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dataset", choices=["taobao", "diginetica"])
    parser.add_argument("--data", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    rows = (taobao if args.dataset == "taobao" else diginetica)(args.data, args.out)
    print(f"{args.dataset}: {rows:,} rows in daily parts under {args.out}")


if __name__ == "__main__":
    main()
