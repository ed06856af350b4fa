"""A finding: one hazard at one place, with where it breaks and where the evidence is."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any, Dict, FrozenSet, Optional, Tuple

from lab.check.catalog import RULE_PAGE, RULES, Rule, where


@dataclass(frozen=True)
class Finding:
    """``path:line:col: CODE message``; ``methods`` are the start methods under which it breaks,
    ``where`` says what that means for platforms and versions."""

    path: str
    line: int
    col: int  # 1-based, as editors and flake8/ruff count
    code: str
    message: str
    methods: Tuple[str, ...]
    where: str

    @property
    def rule(self) -> Rule:
        return RULES[self.code]

    @property
    def evidence(self) -> str:
        return self.rule.page

    @property
    def docs(self) -> str:
        return self.rule.docs

    @property
    def rule_page(self) -> str:
        return RULE_PAGE.format(self.code)

    def as_dict(self) -> Dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "col": self.col,
            "code": self.code,
            "rule": self.rule.name,
            "message": self.message,
            "methods": list(self.methods),
            "where": self.where,
            "evidence": self.evidence,
            "docs": self.docs,
            "rule_page": self.rule_page,
        }


def finding(
    path: str, node: ast.AST, code: str, message: str, method: str, breaks: Optional[FrozenSet[str]] = None
) -> Finding:
    """A finding at ``node``, breaking under ``breaks`` (the rule's methods unless given)."""
    methods, text = where(breaks if breaks is not None else RULES[code].breaks, method)
    return Finding(path, node.lineno, node.col_offset + 1, code, message, methods, text)
