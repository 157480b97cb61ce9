#!/usr/bin/env python3
"""docs/manifest.schema.json kept equal to the validator (test manifest_schema).

1. The schema is a valid JSON Schema (draft 2020-12).
2. Structure, from the validator's source (config/manifest.c, config/manifest_budget.c):
   each object's key table equals the schema object's properties; each walk_enum's
   names are an enum of that object; each walk_sequence / read_names bound is the
   array's minItems/maxItems; each manifest__string / read_names rule function is the
   property's x-btd-rule; walk_number bounds, the tag limit, apiVersion and kind equal
   the schema's (constants from schema_probe --limits).
3. Every x-btd-rule pattern against its rule function (schema_probe): a few thousand
   strings per rule (every printable character at the ends and inside of valid
   examples, every length around each limit, seeded random strings) must be accepted
   or refused alike.
4. The golden manifests (tests/unit/config/golden/good, bad) and docs/examples/tenants,
   each validated alone by `bedrock-tenantd validate` and by the schema (YAML read as
   YAML 1.2 core, as editors read it): good ones pass both; bad ones fail both, except
   those listed in BEYOND_SCHEMA with the reason the schema cannot see it.

Needs python3-jsonschema (>= 4, draft 2020-12) and python3-yaml.
"""
import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

import jsonschema
import yaml

# Bad golden manifests the schema accepts, and why only the validator can refuse them.
BEYOND_SCHEMA = {
    "029-department-not-allowed.yaml": "policy.departments of the configuration",
    "030-department-missing.yaml": "policy.require_department of the configuration",
    "032-region-not-allowed.yaml": "policy.regions of the configuration",
    "033-unknown-account.yaml": "the configuration's accounts",
    "043-merged-tags-over-limit.yaml": "the tenant's and a profile's tags counted together",
    "045-required-tag-missing.yaml": "policy.required_tags of the configuration",
    "049-duplicate-profile.yaml": "profile names unique within the list (by a field of the items)",
    "056-model-arn-wrong-region.yaml": "the model ARN's Region against the tenant's Region",
    "059-model-profile-wrong-geo.yaml": "the system profile's geography against the tenant's Region",
    "060-model-profile-arn-wrong-account.yaml": "the ARN's account against spec.account's account id",
    "061-model-not-allowed.yaml": "policy.allowed_models of the configuration",
    "066-derived-name-invalid.yaml": "names derived from the configuration's naming templates",
    "067-derived-name-profile-separators.yaml": "names derived from the configuration's naming templates",
    "072-budget-limit-cents.yaml": "at most 2 decimal places (multipleOf 0.01 misjudges binary floats)",
    "073-budget-over-ceiling.yaml": "policy.max_budget_usd of the configuration",
    "084-alert-duplicate-email.yaml": "e-mail addresses compared case-insensitively",
    "088-duplicate-alert.yaml": "alerts unique by (type, threshold_percent), two fields of the items",
    "092-role-duplicate.yaml": "IAM role names compared case-insensitively",
    "101-too-large.yaml": "the file's size (256 KiB)",
    "102-enforce-without-roles.yaml": "spec.budget.enforce needs spec.access.roles (two blocks together)",
    "103-enforce-without-subscriber.yaml": "spec.budget.enforce needs a subscriber among the alerts",
}

# Objects of the schema and the validator's functions that read them.
FUNCTIONS = {
    "parse": "#",
    "read_metadata": "#/properties/metadata",
    "read_spec": "#/properties/spec",
    "read_account": "#/properties/spec",
    "read_pool": "#/properties/spec",
    "read_profiles": "#/properties/spec",
    "read_profile": "#/$defs/profile",
    "read_model": "#/$defs/profile",
    "read_tag": "#/$defs/tags",
    "manifest_read_budget": "#/$defs/budget",
    "read_alerts": "#/$defs/budget",
    "read_alert": "#/$defs/alert",
    "read_enforce": "#/$defs/enforce",
    "manifest_read_access": "#/properties/spec/properties/access",
}

failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg, file=sys.stderr)


def pointer(schema, ref):
    node = schema
    for part in ref.lstrip("#").strip("/").split("/"):
        if part:
            node = node[part]
    return node


def deref(schema, node):
    while isinstance(node, dict) and "$ref" in node:
        node = pointer(schema, node["$ref"])
    return node


def c_functions(text):
    """(name, body) of every function defined at the left margin."""
    heads = [(m.start(), m.group(1)) for m in
             re.finditer(r"^(?:static\s+)?(?:const\s+)?\w+[\s\*]+(\w+)\([^;{]*\)\s*\n\{", text, re.M)]
    for i, (pos, name) in enumerate(heads):
        end = heads[i + 1][0] if i + 1 < len(heads) else len(text)
        yield name, text[pos:end]


def strings_of(block):
    return re.findall(r'"([^"]*)"', block)


def check_structure(schema, source, limits):
    text = ""
    for f in ("config/manifest.c", "config/manifest_budget.c"):
        with open(os.path.join(source, f)) as fh:
            text += fh.read() + "\n"
    seen = set()
    checked = {}

    def count(what, n=1):
        checked[what] = checked.get(what, 0) + n

    for name, body in c_functions(text):
        if name not in FUNCTIONS:
            continue
        seen.add(name)
        where = FUNCTIONS[name]
        obj = pointer(schema, where)
        props = obj.get("properties", {})
        for m in re.finditer(r"keys\[[^\]]*\]\s*=\s*\{([^}]*)\}", body):
            keys = strings_of(m.group(1))
            count("key tables")
            if set(keys) != set(props):
                fail(f"{name}: the validator's keys {sorted(keys)} != the schema's {where} properties {sorted(props)}")
        enums = [deref(schema, p).get("enum") for p in props.values()]
        for m in re.finditer(r"walk_enum\([^{]*\{([^}]*)\}", body):
            names = strings_of(m.group(1))
            count("enums")
            if names not in enums:
                fail(f"{name}: walk_enum {names} is no enum of {where} (schema: {[e for e in enums if e]})")
        for m in re.finditer(r"walk_sequence\(&m->w, \w+, (\w+), (\w+), \"(\w+)\"\)", body):
            lo, hi, key = m.groups()
            count("sequences")
            arr = deref(schema, props.get(key, {}))
            want_hi = limits.get(hi, hi)
            if arr.get("minItems") != int(lo) or str(arr.get("maxItems")) != str(want_hi):
                fail(f"{name}: {key} holds {lo}..{hi}={want_hi} items; schema {arr.get('minItems')}..{arr.get('maxItems')}")
        for m in re.finditer(r"read_names\(m, [^,]+, \"(\w+)\", (\w+), (\w+),", body):
            key, hi, rule = m.groups()
            count("name lists")
            arr = deref(schema, props.get(key, {}))
            if str(arr.get("maxItems")) != str(limits.get(hi, hi)) or arr.get("minItems", 0) != 0:
                fail(f"{name}: {key} holds 0..{limits.get(hi, hi)} items; schema {arr.get('minItems')}..{arr.get('maxItems')}")
            if deref(schema, arr.get("items", {})).get("x-btd-rule") != rule:
                fail(f"{name}: {key} items are checked by {rule}; schema says {deref(schema, arr.get('items', {})).get('x-btd-rule')}")
        for m in re.finditer(r"manifest__string\(m, [^,]+, \"(\w+)\", (\w+), (\w+),", body):
            key, maxlen, rule = m.groups()
            count("strings")
            prop = deref(schema, props.get(key, {}))
            if not prop:
                fail(f"{name}: the validator reads {key}, the schema's {where} has no such property")
                continue
            want = prop.get("x-btd-rule")
            if rule == "NULL":
                # checked by the rule function the same function calls on the value
                if not want or not re.search(r"\b" + want + r"\(", body):
                    fail(f"{name}: {key} is checked by {want} in the schema, not in {name}")
            elif rule != want:
                fail(f"{name}: {key} is checked by {rule}; schema says {want}")
            if "maxLength" in prop and prop["maxLength"] != int(maxlen):
                fail(f"{name}: {key} is at most {maxlen} bytes; schema maxLength {prop['maxLength']}")
        for m in re.finditer(r"walk_number\(&m->w, v\[(\d+)\], (\w+), (\w+),", body):
            idx, lo, hi = m.groups()
            count("numbers")
            keys = strings_of(re.search(r"keys\[[^\]]*\]\s*=\s*\{([^}]*)\}", body).group(1))
            prop = deref(schema, props[keys[int(idx)]])
            if str(prop.get("maximum")) != str(limits.get(hi, hi)) or \
                    str(prop.get("exclusiveMinimum", prop.get("minimum"))) != lo:
                fail(f"{name}: {keys[int(idx)]} in [{lo}, {limits.get(hi, hi)}]; schema {prop}")
        for rule in ("rule_tag_key", "rule_tag_value"):
            if name == "read_tag" and rule + "(" not in body:
                fail(f"read_tag no longer calls {rule}")
    print("structure: " + ", ".join(f"{n} {w}" for w, n in sorted(checked.items())))
    for name in FUNCTIONS:
        if name not in seen:
            fail(f"no function {name} in the validator's source: update FUNCTIONS")
    tags = pointer(schema, "#/$defs/tags")
    if tags.get("maxProperties") != limits["USER_TAGS_MAX"]:
        fail(f"tags: at most {limits['USER_TAGS_MAX']} keys; schema {tags.get('maxProperties')}")
    if deref(schema, tags["propertyNames"]).get("x-btd-rule") != "rule_tag_key" or \
            deref(schema, tags["additionalProperties"]).get("x-btd-rule") != "rule_tag_value":
        fail("tags: keys and values are checked by rule_tag_key and rule_tag_value")
    if schema["properties"]["apiVersion"].get("const") != limits["MANIFEST_API_VERSION"]:
        fail("apiVersion differs from MANIFEST_API_VERSION")
    if schema["properties"]["kind"].get("const") != limits["MANIFEST_KIND"]:
        fail("kind differs from MANIFEST_KIND")
    lim = pointer(schema, "#/$defs/budget/properties/limit_usd")
    if lim.get("maximum") != limits["MANIFEST_MAX_BUDGET_USD"] or lim.get("exclusiveMinimum") != 0:
        fail(f"limit_usd in (0, {limits['MANIFEST_MAX_BUDGET_USD']}]; schema {lim}")


def rule_defs(schema):
    out = {}
    for name, d in schema["$defs"].items():
        if "x-btd-rule" in d:
            out[d["x-btd-rule"]] = d
    return out


# Seeds per rule: valid and nearly valid strings, around every length limit.
def seeds(rule, d):
    s = list(d.get("examples", []))
    a = "a"
    if rule == "rule_tenant_id":
        s += [a * n for n in range(0, 43)] + ["a-" * 20, "a--b", "-a", "a-"]
    elif rule == "rule_profile_key":
        s += [a * n for n in range(0, 19)] + ["a_b", "a-_b", "_a", "a_"]
    elif rule == "rule_account_alias":
        s += [a * n for n in range(0, 35)] + ["a_b", "_a"]
    elif rule == "rule_department":
        s += ["A" * n for n in range(0, 67)] + ["a.b", ".a", "a_", "_a", "9"]
    elif rule == "rule_region":
        s += ["us-east-1", "us-gov-west-1", "ap-southeast-2", "us-east", "u-east-1", "us--1", "us-east-12",
              "us1-east-1", "eu-central-1-", "us-east-1a"] + ["us-" + a * n + "-1" for n in range(8, 18)]
    elif rule == "rule_tag_key":
        s += ["K" * n for n in range(0, 131)] + ["aws:x", "AWS:x", "Aws:", "awsx", "bedrock-tenantd:x",
                                                  "BEDROCK-TENANTD:tenant", "bedrock-tenantd", "x aws:"]
    elif rule == "rule_tag_value":
        s += ["v" * n for n in range(0, 259)] + ["", " ", "a b"]
    elif rule == "rule_email":
        s += [a * n + "@example.com" for n in range(0, 67)]
        s += ["x@" + a * n + ".com" for n in range(60, 66)]
        s += ["x@" + ".".join(["a" * 63] * k) + ".com" for k in range(1, 5)]
        s += ["a.b@example.com", ".a@example.com", "a.@example.com", "a..b@example.com", "a@b", "a@b.c",
              "a@b.co", "a@b.xn--p1ai", "a@b.xn--", "a@b.XN--p1ai", "a@-b.com", "a@b-.com", "a@b..com",
              "a@b.c0m", "a@@b.com", "@b.com", "a@", "a@b.com.", "a@.b.com", "a+tag@b.com", "a@b_c.com"]
    elif rule == "rule_sns_topic_arn":
        base = "arn:aws:sns:us-east-1:111122223333:"
        s += [base + a * n for n in range(0, 3)] + [base + a * n for n in range(254, 259)]
        s += [base + "t.fifo", base + ".fifo", base + "a" * 256 + ".fifo", base + "a" * 257 + ".fifo",
              "arn:aws-cn:sns:cn-north-1:111122223333:t", "arn:aws:sns:us-east-1:11112222333:t",
              "arn:aws:sns::111122223333:t", "arn:aws:sqs:us-east-1:111122223333:t", "arn:aws:sns:us-east-1:111122223333",
              "arn:awsx:sns:us-east-1:111122223333:t", "arn:aws:sns:us-east-1:111122223333:t:u"]
    elif rule == "rule_iam_role_name":
        s += ["r" * n for n in range(0, 67)] + ["arn:aws:iam::111122223333:role/x", "a+=,.@_-b"]
    elif rule == "rule_profile_description":
        s += ["d" * n for n in range(0, 203)] + ["a b", "a  b", " a", "a ", "a_-b", "a:b.c", "a-", "a,b"]
    elif rule == "modelref_parse":
        fm, sp = "anthropic.claude-3-5-haiku-20241022-v1:0", "us.anthropic.claude-3-5-haiku-20241022-v1:0"
        for g in ("us", "us-gov", "eu", "apac", "global", "jp", "au", "ca", "xx", "US"):
            s += [g + ".a.b", g + ".a", g + "." + fm]
        s += ["a.b", "a", "a.b.c.d", "a.b.c.d.e", "a.b:c", "a.b:c:d", "a.b:c:d:e", "a:b", "a.b:c.d", "a..b",
              ".a.b", "a.b.", "a.b:", "A.b", "a_b.c"]
        s += ["a." + "b" * n for n in range(60, 66)] + ["us.a." + "b" * n for n in range(56, 62)]
        for region in ("us-east-1", "us-gov-west-1", "", "US-east-1", "us-" + a * 15 + "-1", "us-" + a * 16 + "-1"):
            for part in ("aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "awsx", ""):
                s += [f"arn:{part}:bedrock:{region}::foundation-model/{fm}",
                      f"arn:{part}:bedrock:{region}:111122223333:inference-profile/{sp}"]
        s += ["arn:aws:bedrock:us-east-1:111122223333:foundation-model/" + fm,
              "arn:aws:bedrock:us-east-1::inference-profile/" + sp,
              "arn:aws:bedrock:us-east-1::foundation-model/" + sp,
              "arn:aws:bedrock:us-east-1:111122223333:inference-profile/" + fm,
              "arn:aws:bedrock:us-east-1:11112222333a:inference-profile/" + sp,
              "arn:aws:bedrock:us-east-1:1111222233334:inference-profile/" + sp,
              "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/abc",
              "arn:aws:sagemaker:us-east-1::foundation-model/" + fm, "arn:aws:bedrock:us-east-1",
              "arn:aws:bedrock:us-east-1::foundation-model/us.a", "arn:aws:bedrock:us-east-1::foundation-model/a." + "b" * 62,
              "arn:aws:bedrock:us-east-1::foundation-model/a." + "b" * 63]
    return s


def candidates(rule, d, rnd):
    # '\n' is left out: Python's `$` matches before a final newline, ECMA-262's does not
    chars = [chr(c) for c in range(0x20, 0x7f)] + ["\t", "\u00e9"]
    base = seeds(rule, d)
    out = set(base)
    for b in list(d.get("examples", [])) + base[:3]:
        for c in chars:
            out.update({c + b, b + c, b[:len(b) // 2] + c + b[len(b) // 2:], c + b[1:], b[:-1] + c})
    alphabet = "".join(sorted(set("".join(base)))) + " .-_:/@"
    for _ in range(2000):
        b = rnd.choice(base) if base else ""
        chunk = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 6)))
        pos = rnd.randint(0, len(b))
        cut = rnd.randint(0, 3)
        out.add(b[:pos] + chunk + b[pos + cut:])
    return sorted(out)


def check_rules(schema, probe, limits):
    defs = rule_defs(schema)
    for rule in limits["rules"]:
        if rule not in defs:
            fail(f"the schema has no definition checked by {rule} (x-btd-rule)")
    for rule in defs:
        if rule not in limits["rules"]:
            fail(f"x-btd-rule {rule} is not a rule of schema_probe")
    rnd = random.Random(13)
    lines, expect = [], []
    for rule, d in sorted(defs.items()):
        rx = re.compile(d["pattern"])
        for s in candidates(rule, d, rnd):
            ok = isinstance(s, str) and bool(rx.search(s)) and len(s) <= d.get("maxLength", 1 << 30)
            lines.append(rule + " " + s.encode().hex())
            expect.append((rule, s, ok))
    out = subprocess.run([probe], input="\n".join(lines) + "\n", capture_output=True, text=True, check=True).stdout.split()
    if len(out) != len(expect):
        fail(f"schema_probe answered {len(out)} of {len(expect)} lines")
        return
    wrong = 0
    for (rule, s, ok), got in zip(expect, out):
        if got != ("1" if ok else "0"):
            wrong += 1
            if wrong <= 20:
                fail(f"{rule}({s!r}): the validator {'accepts' if got == '1' else 'refuses'}, the schema "
                     f"{'accepts' if ok else 'refuses'}")
    print(f"rules: {len(expect)} strings over {len(defs)} rules, {wrong} judged differently")


# YAML 1.2 core schema, as editors read manifests: plain scalars typed, the rest strings.
CORE = [
    (re.compile(r"^(?:~|null|Null|NULL|)$"), lambda v: None),
    (re.compile(r"^(?:true|True|TRUE)$"), lambda v: True),
    (re.compile(r"^(?:false|False|FALSE)$"), lambda v: False),
    (re.compile(r"^[-+]?[0-9]+$"), int),
    (re.compile(r"^0o[0-7]+$"), lambda v: int(v[2:], 8)),
    (re.compile(r"^0x[0-9a-fA-F]+$"), lambda v: int(v[2:], 16)),
    (re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$"), float),
]


class NotJson(Exception):
    pass


def to_json(node, budget):
    budget[0] -= 1
    if budget[0] < 0:
        raise NotJson("more than 10,000 nodes")
    if isinstance(node, yaml.MappingNode):
        if node.tag != "tag:yaml.org,2002:map":
            raise NotJson("tag " + node.tag)
        out = {}
        for k, v in node.value:
            if not isinstance(k, yaml.ScalarNode):
                raise NotJson("a key that is not a string")
            if k.value in out:
                raise NotJson("duplicate key " + k.value)
            out[k.value] = to_json(v, budget)
        return out
    if isinstance(node, yaml.SequenceNode):
        if node.tag != "tag:yaml.org,2002:seq":
            raise NotJson("tag " + node.tag)
        return [to_json(v, budget) for v in node.value]
    if node.tag not in ("tag:yaml.org,2002:str", "!"):
        raise NotJson("tag " + node.tag)
    if node.style is None:
        for rx, conv in CORE:
            if rx.match(node.value):
                return conv(node.value)
    return node.value


def schema_verdict(validator, path):
    try:
        with open(path, "rb") as fh:
            text = fh.read().decode("utf-8")
        docs = list(yaml.compose_all(text, Loader=yaml.BaseLoader))
        if len(docs) != 1 or docs[0] is None:
            raise NotJson(f"{len(docs)} documents")
        doc = to_json(docs[0], [10000])
    except (UnicodeDecodeError, yaml.YAMLError, NotJson, RecursionError, ValueError) as e:
        return False, "not a JSON document: " + str(e).split("\n")[0]
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    return not errors, "; ".join(f"{'/'.join(map(str, e.path))}: {e.message[:100]}" for e in errors[:2])


def validator_verdict(bedrock, config, path, work):
    d = os.path.join(work, "one")
    shutil.rmtree(d, ignore_errors=True)
    os.mkdir(d)
    shutil.copy(path, d)
    r = subprocess.run([bedrock, "validate", "--json", "--config", config, d], capture_output=True, text=True)
    if r.returncode not in (0, 1):
        fail(f"validate {path}: exit {r.returncode}: {r.stderr.strip()}")
        return None
    return json.loads(r.stdout)["ok"]


def check_corpus(schema, source, bedrock):
    validator = jsonschema.Draft202012Validator(schema)
    golden = os.path.join(source, "tests/unit/config/golden")
    sets = [(os.path.join(golden, "good"), os.path.join(golden, "config.yaml"), True),
            (os.path.join(golden, "bad"), os.path.join(golden, "config.yaml"), False),
            (os.path.join(source, "docs/examples/tenants"), os.path.join(source, "docs/examples/config.yaml"), True)]
    listed = set()
    n = 0
    with tempfile.TemporaryDirectory(prefix="btd-schema-") as work:
        for top, config, good in sets:
            for dirpath, _, files in sorted(os.walk(top)):
                for f in sorted(files):
                    if not f.endswith((".yaml", ".yml")):
                        continue
                    path = os.path.join(dirpath, f)
                    n += 1
                    v_ok = validator_verdict(bedrock, config, path, work)
                    s_ok, why = schema_verdict(validator, path)
                    if good:
                        if not v_ok or not s_ok:
                            fail(f"{f}: a good manifest, validator ok={v_ok}, schema ok={s_ok} ({why})")
                        continue
                    if v_ok:
                        fail(f"{f}: a bad manifest the validator accepts")
                    if f in BEYOND_SCHEMA:
                        listed.add(f)
                        if not s_ok:
                            fail(f"{f}: listed in BEYOND_SCHEMA ({BEYOND_SCHEMA[f]}) but the schema refuses it "
                                 f"({why}): remove it from the list")
                    elif s_ok:
                        fail(f"{f}: the validator refuses it, the schema accepts it (add the rule to the "
                             "schema, or the file to BEYOND_SCHEMA with the reason)")
    for f in set(BEYOND_SCHEMA) - listed:
        fail(f"BEYOND_SCHEMA names {f}, which is not a bad golden manifest")
    print(f"corpus: {n} manifests, {len(listed)} beyond the schema")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--probe", required=True)
    ap.add_argument("--validator", required=True)
    ap.add_argument("--source", required=True)
    a = ap.parse_args()
    with open(os.path.join(a.source, "docs/manifest.schema.json")) as fh:
        schema = json.load(fh)
    jsonschema.Draft202012Validator.check_schema(schema)
    limits = json.loads(subprocess.run([a.probe, "--limits"], capture_output=True, text=True, check=True).stdout)
    check_structure(schema, a.source, limits)
    check_rules(schema, a.probe, limits)
    check_corpus(schema, a.source, a.validator)
    if failures:
        print(f"{len(failures)} difference(s) between docs/manifest.schema.json and the validator", file=sys.stderr)
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
