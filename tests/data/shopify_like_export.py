#!/usr/bin/env python3
"""A messy Shopify-style orders export for a real-user run of `clv_report` (not a test
fixture; the output is not committed). Usage: shopify_like_export.py OUT.csv [ROWS] [SEED]

Header names with spaces and capitals; `Created at` as `2023-03-05 14:22:31 -0500`
(offsets change with daylight saving) and a few RFC 3339 `...Z` rows; refunds as negative
rows; $0 rows (free samples); multi-line-item orders whose later lines leave `Total`
empty (as Shopify writes them); quoted names with commas and doubled quotes; blank lines;
a BOM; CRLF; duplicated rows; one-purchase customers; test customers; a few customers
whose email is typed in different letter cases on different orders.
"""
import csv
import io
import random
import sys
from datetime import datetime, timedelta, timezone

out = sys.argv[1]
rows_wanted = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 7)

start = datetime(2023, 1, 1, tzinfo=timezone.utc)
end = datetime(2024, 12, 31, 23, 59, tzinfo=timezone.utc)
span = (end - start).total_seconds()

def offset(dt):
    # US Eastern: -04:00 in (roughly) mid-March..early November, else -05:00.
    return -4 if 3 <= dt.month <= 10 else -5

def shopify_time(dt):
    h = offset(dt)
    local = dt + timedelta(hours=h)
    return local.strftime("%Y-%m-%d %H:%M:%S ") + ("-%02d00" % -h)

first = ["Ana", "Bo", "Chen", "Dmitri", "Eve", "Fatima", "Gus", "Hana", "Ivan", "Jo"]
last = ["Smith", "O'Brien", "García", "Nguyen", "Müller", "Kowalski", "Lee", "Patel"]

customers = []
n_customers = rows_wanted // 3
for i in range(n_customers):
    name = f"{rng.choice(first)} {rng.choice(last)}"
    email = f"{name.split()[0].lower()}.{i}@example.com"
    if rng.random() < 0.02:
        email = email.upper()  # the same shop, shouted: a different key to the reader
    elif rng.random() < 0.02:
        email = "~" + email  # typed in different cases on different orders (below)
    rate = rng.choice([0.3, 0.8, 1.5, 3, 6]) / 365.0  # purchases a day
    born = start + timedelta(seconds=rng.random() * span * 0.9)
    customers.append((email, name, rate, born))

lines = []
order_no = 1000
def order_row(email, name, dt, total, status, line_item, qty, fmt="shopify"):
    created = shopify_time(dt) if fmt == "shopify" else dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    bill = f'{name}, {rng.choice(["Inc.", "LLC", "(home)"])}' if rng.random() < 0.1 else name
    if rng.random() < 0.02:
        bill = 'Jo "JJ" Lee'
    if email.startswith("~"):
        email = email[1:]
        email = email.capitalize() if rng.random() < 0.5 else email
    return [f"#{order_no}", email, status, created, "USD", total, line_item, str(qty), bill]

for email, name, rate, born in customers:
    t = born
    one_timer = rng.random() < 0.35
    while t < end and len(lines) < rows_wanted:
        order_no += 1
        total = f"{rng.lognormvariate(3.5, 0.7):.2f}"
        if rng.random() < 0.02:
            total = "0.00"  # free sample
        fmt = "rfc3339" if rng.random() < 0.03 else "shopify"
        lines.append(order_row(email, name, t, total, "paid", "Coffee beans 1kg", 1, fmt))
        if rng.random() < 0.15:  # second line item: Shopify leaves the order fields empty
            r = order_row(email, name, t, "", "", "Grinder, \"burr\"", 1)
            r[5] = ""
            lines.append(r)
        if rng.random() < 0.04:  # a refund, days later, as a negative row
            lines.append(order_row(email, name, t + timedelta(days=rng.randint(1, 20)),
                                   "-" + total, "refunded", "Refund", 1))
        if rng.random() < 0.01:
            lines.append(list(lines[-1]))  # exported twice
        if one_timer:
            break
        t += timedelta(days=rng.expovariate(rate))

# Test customers.
for k in range(40):
    order_no += 1
    dt = start + timedelta(seconds=rng.random() * span)
    lines.append(order_row("test@shop.example", "Test Customer", dt, "1.00", "paid", "TEST", 1))

rng.shuffle(lines)
header = ["Name", "Email", "Financial Status", "Created at", "Currency", "Total",
          "Lineitem name", "Lineitem quantity", "Billing Name"]
buf = io.StringIO()
w = csv.writer(buf, lineterminator="\r\n")
w.writerow(header)
for i, r in enumerate(lines):
    w.writerow(r)
    if i % 997 == 0:
        buf.write("\r\n")
text = buf.getvalue()
with open(out, "w", encoding="utf-8-sig", newline="") as f:
    f.write(text)
print(f"{len(lines)} rows, {n_customers} customers (+ test) -> {out}", file=sys.stderr)
