"""The query's logic: contradictions (never matches) and dead clauses, proven sound against the matcher."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from luqum.tree import AndOperation, Item, Not, OrOperation

from rule_kit.fields import FieldCatalog, FieldInfo, load_ecs
from rule_kit.kql import parse
from rule_kit.kql.logic import analyze
from rule_kit.kql.matcher import compile
from rule_kit.kql.nodes import STAR, Exists, Is, Literal, MatchAll, Wildcard

ECS = load_ecs()


def _dead(query: str) -> list[str]:
    analysis = analyze(parse(query), ECS)
    assert analysis.satisfiable
    return [repr(node) for node in analysis.dead]


def test_a_clause_and_its_negation_never_match() -> None:
    analysis = analyze(parse("process.name:bash and not process.name:bash"), ECS)
    assert not analysis.satisfiable
    assert len(analysis.conflict) == 2


def test_a_value_excluded_by_a_pattern_it_matches_never_matches() -> None:
    assert not analyze(parse("process.name:bash and not process.name:ba*"), ECS).satisfiable
    assert not analyze(parse("process.name:python3* and not process.name:py*"), ECS).satisfiable
    assert not analyze(parse("process.command_line:*pipe* and not process.command_line:*pip*"), ECS).satisfiable
    assert not analyze(parse("not *:*"), ECS).satisfiable


def test_different_values_of_an_array_field_do_not_contradict() -> None:
    """Any-value semantics: `{"process.args": ["a", "b"]}` matches both, so neither is dead or contradictory."""
    for query in ("process.args:a and process.args:b", "process.pid > 10 and process.pid < 5"):
        analysis = analyze(parse(query), ECS)
        assert analysis.satisfiable and analysis.dead == ()
    assert analyze(parse("process.name:py* and not process.name:python*"), ECS).satisfiable


def test_a_single_valued_field_holds_one_value() -> None:
    """ECS expects one `host.os.type` per event (no `normalize: array`): two values exclude each other."""
    analysis = analyze(parse("host.os.type:macos and host.os.type:linux"), ECS)
    assert not analysis.satisfiable and len(analysis.conflict) == 2
    assert not analyze(parse("process.name:bash and process.name:sh*"), ECS).satisfiable
    assert _dead("host.os.type:macos and not host.os.type:linux") == [repr(Is("host.os.type", Literal("linux")))]


def test_a_normalizer_makes_case_variants_one_value() -> None:
    assert not analyze(parse("process.name.caseless:Bash and not process.name.caseless:bash"), _defend()).satisfiable
    assert analyze(parse("process.name:Bash and not process.name:bash"), ECS).satisfiable


def test_a_redundant_clause_is_dead() -> None:
    assert _dead("a:x and (a:x or b:y)") == [repr(Is("b", Literal("y")))]
    assert _dead("process.name:bash and process.name:*") == [repr(Exists("process.name"))]
    assert _dead("process.name:(a or b) and process.name:a") == [repr(Is("process.name", Literal("b")))]
    assert _dead("process.name:bash and (process.name:ba* or user.name:root)") == [
        repr(Is("process.name", Wildcard(("ba", STAR)))),
        repr(Is("user.name", Literal("root"))),
    ]


def test_the_seed_query_is_satisfiable_and_every_clause_matters(seed_text: str) -> None:
    query = seed_text.split("query = '''", 1)[1].split("'''", 1)[0]
    analysis = analyze(parse(query), _defend())
    assert analysis.satisfiable and analysis.dead == ()


def _defend() -> FieldCatalog:
    from rule_kit.fields import catalog_for_indices

    return catalog_for_indices(["logs-endpoint.events.process-*"])


# --- soundness against the matcher ----------------------------------------------------------------------------

CATALOG = FieldCatalog(
    [FieldInfo("p", "keyword"), FieldInfo("q", "keyword", normalize=("array",)), FieldInfo("r", "long")]
)
values = st.sampled_from(["ab", "abc", "b", "bc"])
clauses = st.one_of(
    st.builds(lambda v: Is("p", Literal(v)), values),
    st.builds(lambda v: Is("q", Literal(v)), values),
    st.builds(lambda v: Is("p", Wildcard((v, STAR))), values),
    st.builds(lambda v: Is("p", Wildcard((STAR, v, STAR))), values),
    st.builds(lambda v: Is("q", Wildcard((STAR, v))), values),
    st.sampled_from([Exists("p"), Exists("q"), Is("r", Literal("1"))]),
)
trees = st.recursive(
    clauses,
    lambda sub: st.one_of(
        st.builds(Not, sub),
        st.lists(sub, min_size=2, max_size=3).map(lambda ops: AndOperation(*ops)),
        st.lists(sub, min_size=2, max_size=3).map(lambda ops: OrOperation(*ops)),
    ),
    max_leaves=7,
)
field_values = st.one_of(st.none(), values, st.lists(values, max_size=3))
documents = st.fixed_dictionaries(  # `p` holds one value, as its catalog entry promises; `q` is an array field
    {}, optional={"p": values, "q": field_values, "r": st.one_of(st.just(1), st.just([0, 1]), st.just(2))}
)


def _replace(tree: Item, target: Item, by: Item) -> Item:
    """`tree` with every clause equal to `target` replaced by `by` (rebuilt, the input untouched)."""
    if repr(tree) == repr(target):
        return by
    if isinstance(tree, AndOperation | OrOperation):
        return type(tree)(*(_replace(child, target, by) for child in tree.children))
    if isinstance(tree, Not):
        return Not(_replace(tree.children[0], target, by))
    return tree


@given(trees, st.lists(documents, min_size=1, max_size=20))
def test_verdicts_are_sound(tree: Item, events: list[dict]) -> None:
    """Never-matches means no document matches; a dead clause forced true, or forced false, changes no result."""
    analysis = analyze(tree, CATALOG)
    matcher = compile(tree, CATALOG)
    if not analysis.satisfiable:
        assert not any(matcher(event) for event in events)
        return
    for dead in analysis.dead:
        always = compile(_replace(tree, dead, MatchAll()), CATALOG)
        never = compile(_replace(tree, dead, Not(MatchAll())), CATALOG)
        results = [matcher(event) for event in events]
        assert [always(e) for e in events] == results or [never(e) for e in events] == results, dead
