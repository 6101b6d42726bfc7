#!/usr/bin/env python3
"""Validates a JSON document against a JSON schema, offline.

usage: validate_schema.py SCHEMA DOCUMENT

Every *.json schema in the schema's directory is registered under its "$id",
so relative references such as CycloneDX's "spdx.schema.json" and
"jsf-0.82.schema.json" resolve to the local copies. Any other reference is an
error: nothing is fetched from the network. The validator class follows the
schema's "$schema" (draft-07 for CycloneDX, 2019-09 for SPDX 2.3), with format
checking on.

Exit status: 0 valid, 1 invalid (each error printed with its JSON path),
2 usage or unreadable input, 3 python3-jsonschema missing.
"""

import json
import os
import sys

try:
    import jsonschema
    from jsonschema import validators
except ImportError:  # pragma: no cover - depends on the machine
    print("validate_schema.py: python3-jsonschema is not installed "
          "(scripts/install-deps.sh installs it)", file=sys.stderr)
    sys.exit(3)


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def local_schemas(directory):
    schemas = {}
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".json"):
            continue
        doc = load(os.path.join(directory, name))
        if isinstance(doc, dict) and isinstance(doc.get("$id"), str):
            schemas[doc["$id"]] = doc
            # "$id" with and without a trailing "#" name the same resource.
            schemas[doc["$id"].rstrip("#")] = doc
    return schemas


def make_validator(schema, store):
    cls = validators.validator_for(schema)
    try:
        from referencing import Registry, Resource
        from referencing.exceptions import NoSuchResource
        from referencing.jsonschema import DRAFT7
    except ImportError:  # jsonschema < 4.18 resolves with RefResolver
        def refuse(uri):
            raise jsonschema.RefResolutionError("offline, not fetching " + uri)
        resolver = jsonschema.RefResolver.from_schema(
            schema, store=store, handlers={"http": refuse, "https": refuse})
        return cls(schema, resolver=resolver, format_checker=cls.FORMAT_CHECKER)

    def refuse(uri):
        raise NoSuchResource(ref=uri)

    # Each schema names its own draft in "$schema"; draft-07 is the fallback.
    registry = Registry(retrieve=refuse).with_resources(
        (uri, Resource.from_contents(doc, default_specification=DRAFT7))
        for uri, doc in store.items())
    return cls(schema, registry=registry, format_checker=cls.FORMAT_CHECKER)


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    schema_path, doc_path = argv[1], argv[2]
    try:
        schema = load(schema_path)
        document = load(doc_path)
    except (OSError, ValueError) as e:
        print("validate_schema.py: %s" % e, file=sys.stderr)
        return 2
    store = local_schemas(os.path.dirname(os.path.abspath(schema_path)))
    validator = make_validator(schema, store)
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    for e in errors:
        path = "/".join(str(p) for p in e.absolute_path) or "(document)"
        print("%s: %s: %s" % (doc_path, path, e.message))
    if errors:
        print("%d schema error(s) against %s" % (len(errors), os.path.basename(schema_path)))
        return 1
    print("valid against %s (%s)" % (os.path.basename(schema_path), type(validator).__name__))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
