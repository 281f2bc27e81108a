"""The parser of Go's ``text/template/parse`` (parse.go): text to a set of named trees.

:func:`parse` returns every template the text defines (the top one under ``name``, and one per
``define``/``block``), or raises :class:`TemplateError` with Go's message.
"""

from __future__ import annotations

from collections.abc import Container

import velarun.template.gotemplate.nodes as n
from velarun.template.gotemplate.errors import TemplateError
from velarun.template.gotemplate.lexer import Item, Lexer, T
from velarun.template.gotemplate.numbers import parse_number
from velarun.template.gotemplate.quote import UnquoteError, go_quote, unquote

_OPERAND_START = {T.BOOL, T.CHAR_CONSTANT, T.COMPLEX, T.DOT, T.FIELD, T.IDENTIFIER, T.NUMBER,
                  T.NIL, T.RAW_STRING, T.STRING, T.VARIABLE, T.LEFT_PAREN}  # fmt: skip
MAX_STACK_DEPTH = 10000


class _Parser:
    """One template's parse state; ``define`` and ``block`` start a fresh one on the same lexer."""

    def __init__(self, name: str, parse_name: str, lexer: Lexer, funcs: Container[str],
                 trees: dict[str, n.ListNode]) -> None:  # fmt: skip
        self.name = name
        self.parse_name = parse_name
        self.lex = lexer
        self.funcs = funcs
        self.trees = trees
        self.token: list[Item] = [Item(T.EOF, 0, "", 1)] * 3
        self.peek_count = 0
        self.vars = ["$"]
        self.action_line = 0
        self.range_depth = 0
        self.stack_depth = 0
        self.root: n.ListNode | None = None

    def sub(self, name: str) -> _Parser:
        return _Parser(name, self.parse_name, self.lex, self.funcs, self.trees)

    # -- tokens -----------------------------------------------------------------------------
    def next(self) -> Item:
        if self.peek_count > 0:
            self.peek_count -= 1
        else:
            self.token[0] = self.lex.next_item()
        return self.token[self.peek_count]

    def backup(self) -> None:
        self.peek_count += 1

    def backup2(self, t1: Item) -> None:
        self.token[1] = t1
        self.peek_count = 2

    def backup3(self, t2: Item, t1: Item) -> None:
        self.token[1] = t1
        self.token[2] = t2
        self.peek_count = 3

    def peek(self) -> Item:
        if self.peek_count > 0:
            return self.token[self.peek_count - 1]
        self.peek_count = 1
        self.token[0] = self.lex.next_item()
        return self.token[0]

    def next_non_space(self) -> Item:
        while True:
            token = self.next()
            if token.typ != T.SPACE:
                return token

    def peek_non_space(self) -> Item:
        token = self.next_non_space()
        self.backup()
        return token

    # -- errors -----------------------------------------------------------------------------
    def errorf(self, message: str) -> TemplateError:
        line = self.token[0].line
        return TemplateError(f"template: {self.parse_name}:{line}: {message}", line=line)

    def expect(self, expected: T, context: str) -> Item:
        token = self.next_non_space()
        if token.typ != expected:
            raise self.unexpected(token, context)
        return token

    def unexpected(self, token: Item, context: str) -> TemplateError:
        if token.typ == T.ERROR:
            extra = ""
            if self.action_line not in (0, token.line):
                extra = f" in action started at {self.parse_name}:{self.action_line}"
                if token.val.endswith(" action"):
                    extra = extra[len(" in action") :]
            return self.errorf(f"{token}{extra}")
        return self.errorf(f"unexpected {token} in {context}")

    # -- structure --------------------------------------------------------------------------
    def add(self) -> None:
        tree = self.trees.get(self.name)
        if tree is None or n.is_empty_tree(tree):
            assert self.root is not None
            self.trees[self.name] = self.root
            return
        if not n.is_empty_tree(self.root):
            raise self.errorf(f"template: multiple definition of template {go_quote(self.name)}")

    def parse(self) -> None:
        self.root = n.ListNode(self.peek().pos)
        while self.peek().typ != T.EOF:
            if self.peek().typ == T.LEFT_DELIM:
                delim = self.next()
                if self.next_non_space().typ == T.DEFINE:
                    self.sub("definition").parse_definition()
                    continue
                self.backup2(delim)
            node = self.text_or_action()
            if isinstance(node, n.EndNode | n.ElseNode):
                raise self.errorf(f"unexpected {node}")
            self.root.nodes.append(node)
        self.add()

    def parse_definition(self) -> None:
        context = "define clause"
        token = self.next_non_space()
        if token.typ not in (T.STRING, T.RAW_STRING):
            raise self.unexpected(token, context)
        self.name = self.unquote(token.val)
        self.expect(T.RIGHT_DELIM, context)
        self.root, end = self.item_list()
        if not isinstance(end, n.EndNode):
            raise self.errorf(f"unexpected {end} in {context}")
        self.add()

    def unquote(self, literal: str) -> str:
        try:
            return unquote(literal)
        except UnquoteError as err:
            raise self.errorf(str(err)) from None

    def item_list(self) -> tuple[n.ListNode, n.Node]:
        items = n.ListNode(self.peek_non_space().pos)
        while self.peek_non_space().typ != T.EOF:
            node = self.text_or_action()
            if isinstance(node, n.EndNode | n.ElseNode):
                return items, node
            items.nodes.append(node)
        raise self.errorf("unexpected EOF")

    def text_or_action(self) -> n.Node:
        token = self.next_non_space()
        if token.typ == T.TEXT:
            return n.TextNode(token.pos, token.val)
        if token.typ == T.LEFT_DELIM:
            self.action_line = token.line
            try:
                return self.action()
            finally:
                self.action_line = 0
        if token.typ == T.COMMENT:
            return n.CommentNode(token.pos, token.val)
        raise self.unexpected(token, "input")

    def action(self) -> n.Node:
        token = self.next_non_space()
        typ = token.typ
        if typ == T.BLOCK:
            return self.block_control()
        if typ in (T.BREAK, T.CONTINUE):
            return self.loop_control(token)
        if typ == T.ELSE:
            return self.else_control()
        if typ == T.END:
            return n.EndNode(self.expect(T.RIGHT_DELIM, "end").pos)
        if typ in (T.IF, T.RANGE, T.WITH):
            return self.branch_control(typ)
        if typ == T.TEMPLATE:
            return self.template_control()
        self.backup()
        token = self.peek()
        return n.ActionNode(token.pos, token.line, self.pipeline("command", T.RIGHT_DELIM))

    def loop_control(self, keyword: Item) -> n.Node:
        word = "{{" + keyword.val + "}}"
        token = self.next_non_space()
        if token.typ != T.RIGHT_DELIM:
            raise self.unexpected(token, word)
        if self.range_depth == 0:
            raise self.errorf(f"{word} outside {{{{range}}}}")
        if keyword.typ == T.BREAK:
            return n.BreakNode(keyword.pos, keyword.line)
        return n.ContinueNode(keyword.pos, keyword.line)

    def else_control(self) -> n.Node:
        peek = self.peek_non_space()
        if peek.typ in (T.IF, T.WITH):
            return n.ElseNode(peek.pos, peek.line)
        token = self.expect(T.RIGHT_DELIM, "else")
        return n.ElseNode(token.pos, token.line)

    def branch_control(self, typ: T) -> n.Node:
        context = {T.IF: "if", T.RANGE: "range", T.WITH: "with"}[typ]
        mark = len(self.vars)
        try:
            pipe = self.pipeline(context, T.RIGHT_DELIM)
            if typ == T.RANGE:
                self.range_depth += 1
            body, nxt = self.item_list()
            if typ == T.RANGE:
                self.range_depth -= 1
            else_list = None
            if isinstance(nxt, n.ElseNode):
                if typ in (T.IF, T.WITH) and self.peek().typ == typ:
                    self.next()
                    else_list = n.ListNode(nxt.pos, [self.branch_control(typ)])
                else:
                    else_list, nxt = self.item_list()
                    if not isinstance(nxt, n.EndNode):
                        raise self.errorf(f"expected end; found {nxt}")
        finally:
            del self.vars[mark:]
        cls = {T.IF: n.IfNode, T.RANGE: n.RangeNode, T.WITH: n.WithNode}[typ]
        return cls(pipe.pos, pipe.line, pipe, body, else_list)

    def block_control(self) -> n.Node:
        context = "block clause"
        token = self.next_non_space()
        name = self.template_name(token, context)
        pipe = self.pipeline(context, T.RIGHT_DELIM)
        block = self.sub(name)
        block.root, end = block.item_list()
        if not isinstance(end, n.EndNode):
            raise self.errorf(f"unexpected {end} in {context}")
        block.add()
        return n.TemplateNode(token.pos, token.line, name, pipe)

    def template_control(self) -> n.Node:
        context = "template clause"
        token = self.next_non_space()
        name = self.template_name(token, context)
        pipe = None
        if self.next_non_space().typ != T.RIGHT_DELIM:
            self.backup()
            pipe = self.pipeline(context, T.RIGHT_DELIM)
        return n.TemplateNode(token.pos, token.line, name, pipe)

    def template_name(self, token: Item, context: str) -> str:
        if token.typ in (T.STRING, T.RAW_STRING):
            return self.unquote(token.val)
        raise self.unexpected(token, context)

    # -- pipelines --------------------------------------------------------------------------
    def declarations(self, pipe: n.PipeNode, context: str) -> None:
        while (v := self.peek_non_space()).typ == T.VARIABLE:
            self.next()
            after = self.peek()
            nxt = self.peek_non_space()
            if nxt.typ in (T.ASSIGN, T.DECLARE):
                pipe.is_assign = nxt.typ == T.ASSIGN
                self.next_non_space()
                pipe.decl.append(n.VariableNode(v.pos, v.val.split(".")))
                self.vars.append(v.val)
            elif nxt.typ == T.CHAR and nxt.val == ",":
                self.next_non_space()
                pipe.decl.append(n.VariableNode(v.pos, v.val.split(".")))
                self.vars.append(v.val)
                if context == "range" and len(pipe.decl) < 2:
                    if self.peek_non_space().typ in (T.VARIABLE, T.RIGHT_DELIM, T.RIGHT_PAREN):
                        continue
                    raise self.errorf("range can only initialize variables")
                raise self.errorf(f"too many declarations in {context}")
            elif after.typ == T.SPACE:
                self.backup3(v, after)
            else:
                self.backup2(v)
            return

    def pipeline(self, context: str, end: T) -> n.PipeNode:
        token = self.peek_non_space()
        pipe = n.PipeNode(token.pos, token.line)
        self.declarations(pipe, context)
        while True:
            token = self.next_non_space()
            if token.typ == end:
                self.check_pipeline(pipe, context)
                return pipe
            if token.typ not in _OPERAND_START:
                raise self.unexpected(token, context)
            self.backup()
            pipe.cmds.append(self.command())

    def check_pipeline(self, pipe: n.PipeNode, context: str) -> None:
        if not pipe.cmds:
            raise self.errorf(f"missing value for {context}")
        for i, cmd in enumerate(pipe.cmds[1:]):
            first = cmd.args[0]
            if isinstance(first, n.BoolNode | n.DotNode | n.NilNode | n.NumberNode | n.StringNode):
                raise self.errorf(f"non executable command in pipeline stage {i + 2}")

    def command(self) -> n.CommandNode:
        cmd = n.CommandNode(self.peek_non_space().pos)
        while True:
            self.peek_non_space()
            operand = self.operand()
            if operand is not None:
                cmd.args.append(operand)
            token = self.next()
            if token.typ == T.SPACE:
                continue
            if token.typ in (T.RIGHT_DELIM, T.RIGHT_PAREN):
                self.backup()
            elif token.typ != T.PIPE:
                raise self.unexpected(token, "operand")
            break
        if not cmd.args:
            raise self.errorf("empty command")
        return cmd

    def operand(self) -> n.Node | None:
        node = self.term()
        if node is None or self.peek().typ != T.FIELD:
            return node
        chain = n.ChainNode(self.peek().pos, node)
        while self.peek().typ == T.FIELD:
            chain.fields.append(self.next().val[1:])
        if isinstance(node, n.FieldNode):
            return n.FieldNode(chain.pos, str(chain)[1:].split("."))
        if isinstance(node, n.VariableNode):
            return n.VariableNode(chain.pos, str(chain).split("."))
        if isinstance(node, n.BoolNode | n.StringNode | n.NumberNode | n.NilNode | n.DotNode):
            raise self.errorf(f"unexpected . after term {go_quote(str(node))}")
        return chain

    def term(self) -> n.Node | None:
        token = self.next_non_space()
        typ = token.typ
        if typ == T.IDENTIFIER:
            if token.val not in self.funcs:
                raise self.errorf(f"function {go_quote(token.val)} not defined")
            return n.IdentifierNode(token.pos, token.val)
        if typ == T.DOT:
            return n.DotNode(token.pos)
        if typ == T.NIL:
            return n.NilNode(token.pos)
        if typ == T.VARIABLE:
            return self.use_var(token)
        if typ == T.FIELD:
            return n.FieldNode(token.pos, token.val[1:].split("."))
        if typ == T.BOOL:
            return n.BoolNode(token.pos, token.val == "true")
        if typ in (T.CHAR_CONSTANT, T.COMPLEX, T.NUMBER):
            try:
                return parse_number(token.pos, token.val, typ == T.CHAR_CONSTANT)
            except ValueError as err:
                raise self.errorf(str(err)) from None
        if typ == T.LEFT_PAREN:
            if self.stack_depth >= MAX_STACK_DEPTH:
                raise self.errorf("max expression depth exceeded")
            self.stack_depth += 1
            try:
                return self.pipeline("parenthesized pipeline", T.RIGHT_PAREN)
            finally:
                self.stack_depth -= 1
        if typ in (T.STRING, T.RAW_STRING):
            return n.StringNode(token.pos, token.val, self.unquote(token.val))
        self.backup()
        return None

    def use_var(self, token: Item) -> n.Node:
        v = n.VariableNode(token.pos, token.val.split("."))
        if v.ident[0] not in self.vars:
            raise self.errorf(f"undefined variable {go_quote(v.ident[0])}")
        return v


def parse(text: str, name: str, funcs: Container[str]) -> dict[str, n.ListNode]:
    """Every template ``text`` defines, by name; ``funcs`` are the functions it may call."""
    lexer = Lexer(text, break_ok="break" not in funcs, continue_ok="continue" not in funcs)
    trees: dict[str, n.ListNode] = {}
    _Parser(name, name, lexer, funcs, trees).parse()
    return trees
