#!/usr/bin/env python3
"""Summarises a callgrind profile of wssd per relayed message (bench/profile.sh).

    callgrind_summary.py CALLGRIND_OUT MESSAGES

Prints, per message: instructions in all; self cost grouped by what the code is (JSON,
websocketpp, asio, the allocator, copies, std::string, wssd's own); the inclusive cost of the
entry points that matter (parse, serialise, websocketpp's framing, wssd's handlers); the calls
to the allocator and who makes them; and the top functions by self and by inclusive cost.
"""
import re
import sys
from collections import defaultdict

# What code a function is, by its name (first match wins) or, for stripped libraries, its object.
GROUPS = [
    ("allocator (malloc/free/new/delete)",
     r"^(malloc|free|cfree|_int_malloc|_int_free|unlink_chunk|malloc_consolidate|realloc|_int_realloc|"
     r"operator new|operator delete|tcache|__libc_malloc|__libc_free)"),
    ("copies (memcpy/memmove/memset/memcmp/strlen)", r"^(__)?(mem(cpy|move|set|cmp|chr)|str(len|cmp|chr))"),
    ("JSON (Boost.JSON: parse, build, serialise, destroy)", r"^boost::json::"),
    ("websocketpp (framing, masking, buffers)", r"^websocketpp::"),
    ("asio (reactor, handlers, their allocation)", r"^asio::"),
    ("std::string, std::function, shared_ptr (libstdc++)", r"^std::"),
    ("wssd's own code", r"^wssd::"),
    ("spdlog/fmt", r"^(spdlog|fmt)::"),
]
OBJECT_GROUPS = [
    ("JSON (Boost.JSON: parse, build, serialise, destroy)", "libboost_json"),
    ("std::string, std::function, shared_ptr (libstdc++)", "libstdc++"),
]
ENTRY_POINTS = [
    ("JSON parse (Boost.JSON's parsers, proto::parse_exactly)",
     r"^(boost::json::(parse\(|parser::|basic_parser<|stream_parser::)|wssd::proto::parse_exactly\()"),
    ("JSON serialise (every boost::json::serialize / serializer)", r"^boost::json::(serialize\b|serialize\[|serializer::)"),
    ("websocketpp: prepare_data_frame (frame header, masking, copy)", r"^websocketpp::processor::hybi13<.*>::prepare_data_frame"),
    ("websocketpp: consume (reading frames)", r"^websocketpp::processor::hybi13<.*>::consume"),
    ("websocketpp: connection::send", r"^websocketpp::connection<.*>::send\("),
    ("wssd: local_api::handle (a local request)", r"^wssd::local_api::handle\("),
    ("wssd: proto::parse_local_request", r"^wssd::proto::parse_local_request"),
    ("wssd: proto::decode_frame (a hub frame)", r"^wssd::proto::decode_frame"),
    ("wssd: outbox::flush", r"^wssd::outbox::flush"),
    ("wssd: outbox::submit", r"^wssd::outbox::submit"),
]
ALLOCATE = r"^(malloc|calloc|realloc|__libc_malloc|aligned_alloc|posix_memalign)\b"
RELEASE = r"^(free|cfree|__libc_free)\b"
WRAPPERS = r"^(operator new|operator delete)"  # they only call malloc and free


def base(name):
    """A function's name without callgrind's cycle suffix ('2)."""
    return re.sub(r"'\d+$", "", name)


def display(name, obj):
    """A name to print: unnamed code of a stripped library gets the library's name."""
    if name.startswith("0x") and obj:
        return f"{name} [{obj.rsplit('/', 1)[-1]}]"
    return name


def group_of(name, obj):
    for label, pattern in GROUPS:
        if re.search(pattern, name):
            return label
    for label, fragment in OBJECT_GROUPS:
        if fragment in obj:
            return label
    return "other (libc, kernel entry stubs, unnamed)"


def parse(path):
    names, objects = {}, {}
    self_cost = defaultdict(int)
    inclusive_calls = defaultdict(int)  # cost of calls made from a function
    calls_to = defaultdict(int)
    edge_cost = defaultdict(int)  # (caller, callee): inclusive cost of those calls
    edge_calls = defaultdict(int)  # (caller, callee): how many
    allocating = defaultdict(int)  # caller: its calls to the allocator (operator new or malloc)
    object_of = {}
    fn, ob, cfn, cob = None, "", None, ""
    pending_call = None
    total = 0

    def compressed(table, text):
        m = re.match(r"\((\d+)\)(?: (.*))?$", text)
        if not m:
            return text
        if m.group(2) is not None:
            table[m.group(1)] = m.group(2)
        return table.get(m.group(1), "?")

    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            key, sep, value = line.partition("=")
            if sep and key in ("ob", "cob", "fn", "cfn", "fl", "fi", "fe", "cfi", "cfl"):
                if key == "ob":
                    ob = compressed(objects, value)
                elif key == "cob":
                    cob = compressed(objects, value)
                elif key == "fn":
                    fn = base(compressed(names, value))
                    object_of.setdefault(fn, ob)
                    cob = ob
                elif key == "cfn":
                    cfn = base(compressed(names, value))
                    object_of.setdefault(cfn, cob)
                continue
            if sep and key == "calls":
                pending_call = int(value.split()[0])
                continue
            if line.startswith("totals:"):
                total = int(line.split()[1])
                continue
            if not (line[0].isdigit() or line[0] in "+-*"):
                continue
            parts = line.split()
            cost = int(parts[1]) if len(parts) > 1 else 0
            if pending_call is not None:
                if cfn != fn:
                    inclusive_calls[fn] += cost
                    edge_cost[(fn, cfn)] += cost
                    edge_calls[(fn, cfn)] += pending_call
                calls_to[cfn] += pending_call
                if (re.search(ALLOCATE, cfn) or cfn.startswith("operator new")) and \
                        not re.search(WRAPPERS, fn):
                    allocating[fn] += pending_call
                pending_call = None
                cob = ob
            else:
                self_cost[fn] += cost
    if not total:
        total = sum(self_cost.values())
    inclusive = {f: self_cost.get(f, 0) + inclusive_calls.get(f, 0)
                 for f in set(self_cost) | set(inclusive_calls)}
    return total, self_cost, inclusive, calls_to, edge_cost, edge_calls, allocating, object_of


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    path, messages = sys.argv[1], int(sys.argv[2])
    total, self_cost, inclusive, calls_to, edge_cost, edge_calls, callers, object_of = parse(path)
    per = lambda v: v / messages
    print(f"instructions per relayed message: {per(total):,.0f} (wssd, user space; {total:,} in all"
          f" over {messages:,} messages)\n")

    groups = defaultdict(int)
    for f, c in self_cost.items():
        groups[group_of(f, object_of.get(f, ""))] += c
    print("self cost by kind of code                              instr/msg   share")
    for label, c in sorted(groups.items(), key=lambda kv: -kv[1]):
        print(f"  {label:<52} {per(c):>9,.0f} {100 * c / total:6.1f} %")

    print("\ninclusive cost of entry points (callees included; they overlap)  instr/msg   share")
    for label, pattern in ENTRY_POINTS:
        # A match called from a match is counted once, in the outer one.
        matching = {f for f in inclusive if re.search(pattern, f)}
        c = sum(inclusive[f] for f in matching) - sum(
            v for (a, b), v in edge_cost.items() if a in matching and b in matching)
        print(f"  {label:<62} {per(c):>9,.0f} {100 * c / total:6.1f} %")

    allocs = sum(n for f, n in calls_to.items() if re.search(ALLOCATE, f))
    frees = sum(n for f, n in calls_to.items() if re.search(RELEASE, f))
    print(f"\nallocations per message: {per(allocs):.1f} (calls to malloc), {per(frees):.1f} frees")
    by_group = defaultdict(int)
    for f, n in callers.items():
        by_group[group_of(f, object_of.get(f, ""))] += n
    print("  by the kind of code that asks (the caller of operator new or malloc):")
    for label, n in sorted(by_group.items(), key=lambda kv: -kv[1]):
        print(f"    {label:<52} {per(n):6.1f}")
    print("  top direct callers:")
    for f, n in sorted(callers.items(), key=lambda kv: -kv[1])[:12]:
        print(f"    {per(n):6.2f}  {display(f, object_of.get(f, ''))[:110]}")

    # Allocations charged to the first caller up the chain that is application code (wssd,
    # websocketpp, asio) rather than a library helper (std::string growing, a JSON string):
    # each helper's count is shared among its callers as their calls to it are.
    callers_of = defaultdict(list)
    for (a, b), n in edge_calls.items():
        callers_of[b].append((a, n))
    owners = defaultdict(float)

    def charge(f, n, depth):
        if re.match(r"^(wssd|websocketpp|asio)::", f) or depth > 8 or not callers_of[f]:
            owners[f] += n
            return
        into = sum(k for _, k in callers_of[f])
        for a, k in callers_of[f]:
            charge(a, n * k / into, depth + 1)

    for f, n in callers.items():
        charge(f, n, 0)
    print("  charged to the first wssd, websocketpp or asio function up the chain:")
    for f, n in sorted(owners.items(), key=lambda kv: -kv[1])[:14]:
        print(f"    {per(n):6.2f}  {display(f, object_of.get(f, ''))[:104]}")

    print("\ntop functions by self cost (instr/msg)")
    for f, c in sorted(self_cost.items(), key=lambda kv: -kv[1])[:25]:
        print(f"  {per(c):>8,.0f} {100 * c / total:5.1f} %  {display(f, object_of.get(f, ''))[:110]}")
    print("\ntop functions by inclusive cost (instr/msg)")
    for f, c in sorted(inclusive.items(), key=lambda kv: -kv[1])[:30]:
        print(f"  {per(c):>8,.0f} {100 * c / total:5.1f} %  {f[:110]}")


if __name__ == "__main__":
    main()
