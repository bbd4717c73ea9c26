# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An evaluator of Istio RequestAuthentication and AuthorizationPolicy (security.istio.io/v1) for one target, as
Istio's reference defines them, for the tests; written independently of the code that builds the policies.

* RequestAuthentication: a request carrying a token of a configured issuer whose signature/audience fail is refused
  (401); a request without a token, or with one of an issuer no rule names, passes without a request principal. A
  valid token's principal is ``<iss>/<sub>``.
* AuthorizationPolicy: CUSTOM is not used here; any matching DENY refuses; then, when ALLOW policies exist, the
  request needs one matching rule; with none, everything is allowed.
* A rule matches when one of its ``from`` entries, one of its ``to`` entries and every ``when`` condition match
  (a missing field matches everything). Within a source or operation every given field must match; a list field
  matches when one of its values does, a ``not*`` field when none does. Strings match exactly, by prefix ``abc*``,
  by suffix ``*abc``, or ``*`` when present.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re


def request(method, path, issuer=None, groups=(), audience=None, source_namespace="ingress-nginx", valid=True,
            subject="user-1"):
    """A request: with ``issuer`` it carries a token of that issuer (``valid`` False: bad signature)."""
    return {"method": method, "path": path, "issuer": issuer, "groups": list(groups), "audience": audience,
            "source_namespace": source_namespace, "valid": valid, "subject": subject}


def _match(pattern, value):
    if value is None:
        return False
    if pattern == "*":
        return True
    if pattern.endswith("*"):
        return value.startswith(pattern[:-1])
    if pattern.startswith("*"):
        return value.endswith(pattern[1:])
    return value == pattern


def _any(patterns, value):
    return any(_match(p, value) for p in patterns)


def authenticate(request_authentications, req):
    """(status, principal): 401 for a token of a configured issuer that fails, else 200 with the principal or None."""
    if not req["issuer"]:
        return 200, None
    for ra in request_authentications:
        for rule in ra["spec"].get("jwtRules", []):
            if rule["issuer"] != req["issuer"]:
                continue
            audiences = rule.get("audiences")
            if not req["valid"] or (audiences and req["audience"] not in audiences):
                return 401, None
            return 200, "%s/%s" % (req["issuer"], req["subject"])
    return 200, None


_CLAIM = re.compile(r"^request\.auth\.claims\[([^\]]+)\]$")


def _source_matches(source, req, principal):
    if "requestPrincipals" in source and not _any(source["requestPrincipals"], principal):
        return False
    if "notRequestPrincipals" in source and _any(source["notRequestPrincipals"], principal):
        return False
    if "namespaces" in source and not _any(source["namespaces"], req["source_namespace"]):
        return False
    if "notNamespaces" in source and _any(source["notNamespaces"], req["source_namespace"]):
        return False
    unknown = set(source) - set(["requestPrincipals", "notRequestPrincipals", "namespaces", "notNamespaces"])
    assert not unknown, "the evaluator does not know source fields %s" % sorted(unknown)
    return True


def _operation_matches(operation, req):
    for key, value in (("paths", req["path"]), ("methods", req["method"])):
        if key in operation and not _any(operation[key], value):
            return False
        negative = "not" + key[0].upper() + key[1:]
        if negative in operation and _any(operation[negative], value):
            return False
    unknown = set(operation) - set(["paths", "methods", "notPaths", "notMethods"])
    assert not unknown, "the evaluator does not know operation fields %s" % sorted(unknown)
    return True


def _condition_matches(condition, req, principal):
    claim = _CLAIM.match(condition["key"])
    assert claim, "the evaluator does not know condition key %s" % condition["key"]
    if principal is None:
        return False
    found = req["groups"] if claim.group(1) == "groups" else []
    if "values" in condition and not any(_any(condition["values"], g) for g in found):
        return False
    if "notValues" in condition and any(_any(condition["notValues"], g) for g in found):
        return False
    return True


def _rule_matches(rule, req, principal):
    if rule.get("from") and not any(_source_matches(f["source"], req, principal) for f in rule["from"]):
        return False
    if rule.get("to") and not any(_operation_matches(t["operation"], req) for t in rule["to"]):
        return False
    return all(_condition_matches(c, req, principal) for c in rule.get("when", []))


def decide(objects, req):
    """200 (allowed), 401 (token refused) or 403 (denied by the authorization policies)."""
    ras = [o for o in objects if o.get("kind") == "RequestAuthentication"]
    aps = [o for o in objects if o.get("kind") == "AuthorizationPolicy"]
    status, principal = authenticate(ras, req)
    if status != 200:
        return status
    for policy in aps:
        rules = policy["spec"].get("rules", [])
        if policy["spec"].get("action") == "DENY" and any(_rule_matches(r, req, principal) for r in rules):
            return 403
    allows = [p for p in aps if p["spec"].get("action", "ALLOW") == "ALLOW"]
    if not allows:
        return 200
    for policy in allows:
        if any(_rule_matches(r, req, principal) for r in policy["spec"].get("rules", [])):
            return 200
    return 403
