"""torch.utils._pytree: jaxtorch's (on JAX's registry) against real torch's, case by case."""

from __future__ import annotations

import copy
import dataclasses
import pickle
import warnings
from collections import OrderedDict, defaultdict, deque, namedtuple

import jax
import numpy as np
import pytest
import torch
import torch.utils._pytree as tp

import jaxtorch
import jaxtorch.utils._pytree as jp

Point = namedtuple("Point", ["x", "y"])
Named = namedtuple("Named", ["u", "v"])  # given a serialized name in test_treespec_pickle_copy_and_json
LIBS = [(tp, torch), (jp, jaxtorch)]


def _norm(x):
    """A leaf made comparable across the two libraries (tensors by shape, dtype and values)."""
    if isinstance(x, (torch.Tensor, jaxtorch.Tensor)):
        arr = x.detach().numpy() if isinstance(x, torch.Tensor) else np.asarray(x._value())
        return ("tensor", tuple(x.shape), str(x.dtype).replace("torch.", ""), arr.tolist())
    return x


def _mixed(T):
    return {
        "b": (1, None, Point(2, [3, T.ones(2)])),
        "a": OrderedDict(z=4, y=deque([5, 6], maxlen=4)),
        "d": defaultdict(list, {"q": [7], "c": ()}),
        "n": None,
        "e": {},
        "t": T.arange(3),
    }


TREES = {
    "mixed": _mixed,
    "none": lambda T: None,
    "leaf": lambda T: T.zeros(1),
    "none_in_list": lambda T: [None, (None,), {"k": None}],
    "insertion_order": lambda T: {"b": 1, "a": 2, 10: 3, (0, 1): 4},
    "nested_empty": lambda T: [(), [], {}, deque()],
    "return_type": lambda T: T.max(T.tensor([[1.0, 3.0], [2.0, 0.0]]), 0),
    "subclasses_are_leaves": lambda T: [type("L", (list,), {})([1, 2]), type("D", (dict,), {})(a=1)],
    "deque_no_maxlen": lambda T: deque([1, [2, 3]]),
    "defaultdict_int": lambda T: defaultdict(int, {"z": (1,), "a": 2}),
}


@pytest.mark.parametrize("name", sorted(TREES))
def test_flatten_unflatten_like_torch(name):
    results = []
    for m, T in LIBS:
        tree = TREES[name](T)
        leaves, spec = m.tree_flatten(tree)
        rebuilt = m.tree_unflatten(list(range(len(leaves))), spec)
        results.append(
            dict(
                leaves=[_norm(x) for x in leaves],
                repr=repr(spec),
                str=str(spec),
                num_leaves=spec.num_leaves,
                num_nodes=spec.num_nodes,
                num_children=spec.num_children,
                is_leaf=spec.is_leaf(),
                rebuilt=repr(rebuilt),
                rebuilt_type=type(rebuilt).__name__,
                pprint=m.treespec_pprint(spec),
                tree_leaves=[_norm(x) for x in m.tree_leaves(tree)],
                structure=repr(m.tree_structure(tree)),
                paths=[(m.keystr(p), _norm(x)) for p, x in m.tree_leaves_with_path(tree)],
                roundtrip=repr(m.tree_unflatten(leaves, spec)) if name != "leaf" else None,
            )
        )
    assert results[0] == results[1]


def test_none_is_a_leaf_and_tensors_are_leaves():
    for m, T in LIBS:
        assert m.tree_leaves(None) == [None]
        assert m.tree_is_leaf(None)
        assert m.tree_is_leaf(T.ones(2))
        assert not m.tree_is_leaf({})
        t = T.ones(2)
        assert m.tree_leaves({"w": t})[0] is t  # the Tensor itself, not its payload
    # jaxtorch's Tensor stays a node for jax.tree_util (its payload is the JAX leaf)
    assert not isinstance(jax.tree_util.tree_leaves(jaxtorch.ones(2))[0], jaxtorch.Tensor)


def test_flatten_with_path_keys_like_torch():
    out = []
    for m, T in LIBS:
        pairs, spec = m.tree_flatten_with_path(_mixed(T))
        out.append(([(tuple(repr(k) for k in p), m.keystr(p), _norm(x)) for p, x in pairs], repr(spec)))
        tree = _mixed(T)
        for p, x in pairs:
            assert _norm(m.key_get(tree, p)) == _norm(x)
    assert out[0] == out[1]


def test_key_entries():
    for a, b in (
        (tp.SequenceKey(1), jp.SequenceKey(1)),
        (tp.MappingKey("k"), jp.MappingKey("k")),
        (tp.GetAttrKey("x"), jp.GetAttrKey("x")),
    ):
        assert (str(a), repr(a).split(".")[-1]) == (str(b), repr(b).split(".")[-1])
        assert hash(b) == hash(type(b)(*dataclasses.astuple(b)))
    assert jp.keystr((jp.MappingKey("a"), jp.SequenceKey(0), jp.GetAttrKey("x"))) == "['a'][0].x"


def test_tree_map_family_like_torch():
    res = []
    for m, T in LIBS:
        tree = _mixed(T)
        r = dict(
            map=repr(m.tree_map(lambda x: x * 10 if isinstance(x, int) else x, {"a": [1, 2], "b": (3, None)})),
            map_rest=repr(m.tree_map(lambda x, y: (x, y), [1, {"k": 2}], [[5, 6], {"k": {"deep": 7}}])),
            # dicts of different kinds and key orders match by key set, as in torch
            map_dict_kinds=repr(m.tree_map(lambda x, y: x + y, {"a": 1, "b": 2}, OrderedDict(b=20, a=10))),
            map_is_leaf=repr(
                m.tree_map(
                    lambda x: len(x) if isinstance(x, tuple) else x,
                    [(1, 2), 3, ((4,),)],
                    is_leaf=lambda x: isinstance(x, tuple),
                )
            ),
            only_type=[_norm(x) for x in m.tree_leaves(m.tree_map_only(T.Tensor, lambda t: t + 1, tree))],
            only_tuple=repr(m.tree_map_only((int, float), lambda v: -v, [1, 2.5, "s"])),
            only_pred=repr(m.tree_map_only(lambda v: v == 2, lambda v: "two", [1, 2, (2, 3)])),
            all=m.tree_all(lambda v: v is not None, [1, (2,)]),
            any=m.tree_any(lambda v: v is None, [1, (None,)]),
            all_only=m.tree_all_only(int, lambda v: v > 0, [1, "x", -0.5]),
            any_only=m.tree_any_only(str, lambda v: v == "x", [1, "x"]),
            with_path=repr(m.tree_map_with_path(lambda p, x: m.keystr(p) + ":" + str(x), {"a": [1, (2,)]})),
            with_path_rest=repr(m.tree_map_with_path(lambda p, x, y: (m.keystr(p), x, y), [1, 2], [3, [4]])),
            broadcast=m._broadcast_to_and_flatten([1, 2], m.tree_structure([[0, 0], (0, 0, 0)])),
            broadcast_bad=m._broadcast_to_and_flatten([1, 2, 3], m.tree_structure([0, 0])),
            arg_leaves=m.arg_tree_leaves(1, (2, [3]), k={"z": 4}),
            truthy_is_leaf=m.tree_leaves([(1, 2), [3]], is_leaf=lambda x: 1 if isinstance(x, tuple) else None),
            truthy_path=[
                m.keystr(p)
                for p, _ in m.tree_leaves_with_path([(1,), [3]], is_leaf=lambda x: int(isinstance(x, tuple)))
            ],
        )
        seen = []
        same = m.tree_map_(lambda x, y: seen.append((x, y)), [1, (2,)], [10, (20,)])
        r["map_"] = (same, seen)
        seen2 = []
        m.tree_map_only_(int, seen2.append, [1, "a", 2])
        r["map_only_"] = seen2
        res.append(r)
    assert res[0] == res[1]


def _error(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the exception itself is compared
        return type(e), str(e)
    return None


@pytest.mark.parametrize(
    "case",
    [
        "unflatten_count",
        "unflatten_not_spec",
        "type_mismatch",
        "arity_mismatch",
        "keys_mismatch",
        "namedtuple_mismatch",
        "list_vs_tuple",
        "custom_type_mismatch",
        "custom_context_mismatch",
        "dumps_unnamed",
        "map_only_bad",
        "constant_no_eq",
        "unknown_protocol",
    ],
)
def test_errors_like_torch(case):
    OtherPoint = namedtuple("OtherPoint", ["x", "y"])

    def run(m):
        s = m.tree_structure((1, 2))
        return {
            "unflatten_count": lambda: s.unflatten([1]),
            "unflatten_not_spec": lambda: m.tree_unflatten([1], 3),
            "type_mismatch": lambda: m.tree_map(lambda a, b: a, [1], (1,)),
            "arity_mismatch": lambda: m.tree_map(lambda a, b: a, [1, 2], [1]),
            "keys_mismatch": lambda: m.tree_map(lambda a, b: a, {"a": 1, "b": 2}, {"a": 1, "c": 2}),
            "namedtuple_mismatch": lambda: m.tree_map(lambda a, b: a, Point(1, 2), OtherPoint(1, 2)),
            "list_vs_tuple": lambda: m.tree_structure([1]).flatten_up_to((1,)),
            "custom_type_mismatch": lambda: m.tree_structure(Box(1)).flatten_up_to([1]),
            "custom_context_mismatch": lambda: m.tree_map(lambda a, b: a, Tagged("x", 1), Tagged("y", 1)),
            "dumps_unnamed": lambda: m.treespec_dumps(m.tree_structure(NoKeys(1))),
            "map_only_bad": lambda: m.map_only(3),
            "constant_no_eq": lambda: m.register_constant(type("NoEq", (), {})),
            "unknown_protocol": lambda: m.treespec_dumps(s, protocol=7),
        }[case]()

    assert _error(lambda: run(tp)) == _error(lambda: run(jp)) is not None


# ---------------------------------------------------------------------------------------------
# registration


class Box:
    """A container registered in both libraries (each has its own registry)."""

    def __init__(self, a, b=None):
        self.a, self.b = a, b

    def __repr__(self):
        return f"Box({self.a!r}, {self.b!r})"


def _box_flatten(box):
    return [box.a, box.b], "ctx"


def _box_unflatten(values, context):
    assert context == "ctx" and isinstance(values, list)
    return Box(*values)


def _box_keys(m):
    def flatten_with_keys(box):
        return [(m.GetAttrKey("a"), box.a), (m.GetAttrKey("b"), box.b)], "ctx"

    return flatten_with_keys


for _m in (tp, jp):
    _m.register_pytree_node(
        Box, _box_flatten, _box_unflatten, serialized_type_name="tests.Box", flatten_with_keys_fn=_box_keys(_m)
    )


class NoKeys:
    def __init__(self, v):
        self.v = v


class Tagged:
    def __init__(self, tag, v):
        self.tag, self.v = tag, v


for _m in (tp, jp):
    _m.register_pytree_node(Tagged, lambda t: ([t.v], t.tag), lambda vals, tag: Tagged(tag, vals[0]))
    _m.register_pytree_node(NoKeys, lambda n: ([n.v], None), lambda vals, ctx: NoKeys(vals[0]))


def test_registered_class_like_torch():
    out = []
    for m, T in LIBS:
        tree = {"box": Box(T.ones(1), (2, Box(3))), "p": [Box(4), None]}
        leaves, spec = m.tree_flatten(tree)
        pairs = m.tree_leaves_with_path(tree)
        out.append(
            dict(
                leaves=[_norm(x) for x in leaves],
                spec=repr(spec),
                rebuilt=repr(m.tree_unflatten(range(spec.num_leaves), spec)),
                paths=[m.keystr(p) for p, _ in pairs],
                dumps=m.treespec_dumps(spec),
                loads_eq=m.treespec_loads(m.treespec_dumps(spec)) == spec,
                dup=_error(lambda: m.register_pytree_node(Box, _box_flatten, _box_unflatten)),
                no_keys=_error(lambda: m.tree_flatten_with_path([NoKeys(1)])),
                no_keys_flat=m.tree_leaves([NoKeys(1)]),
            )
        )
    assert out[0] == out[1]


def test_registered_class_is_a_jax_node_too():
    tree = {"box": Box(jaxtorch.ones(2), 3.0)}
    leaves = jax.tree_util.tree_leaves(tree)
    assert len(leaves) == 2 and leaves[1] == 3.0  # through Box and through the Tensor to its payload
    out = jax.jit(lambda t: jax.tree_util.tree_map(lambda x: x * 2, t))({"box": Box(np.ones(2), 3.0)})
    assert isinstance(out["box"], Box) and float(out["box"].b) == 6.0
    np.testing.assert_array_equal(np.asarray(out["box"].a), np.full(2, 2.0))
    paths = jax.tree_util.tree_flatten_with_path(Box(1, 2))[0]
    assert [jax.tree_util.keystr(p) for p, _ in paths] == [".a", ".b"]
    # jaxtorch.func goes through registered containers as torch.func does
    res = jaxtorch.func.vmap(lambda b: Box(b.a * 2, b.b))(Box(jaxtorch.arange(3.0), jaxtorch.ones(3)))
    assert isinstance(res, Box)
    np.testing.assert_array_equal(np.asarray(res.a._value()), [0.0, 2.0, 4.0])


def _make_model_output(m, name):
    """transformers' ModelOutput: a dataclass OrderedDict subclass registering itself at class creation."""

    class ModelOutput(OrderedDict):
        def __init_subclass__(cls):
            m.register_pytree_node(
                cls,
                lambda o: (list(o.values()), list(o.keys())),
                lambda values, context: cls(**dict(zip(context, values))),
                serialized_type_name=f"{cls.__module__}.{cls.__name__}",
                flatten_with_keys_fn=m._dict_flatten_with_keys,
            )

        def __post_init__(self):
            for f in dataclasses.fields(self):
                v = getattr(self, f.name)
                if v is not None:
                    self[f.name] = v

    out_cls = dataclasses.dataclass(
        type(
            name,
            (ModelOutput,),
            {
                "__annotations__": {"logits": object, "loss": object, "hidden": object},
                "logits": None,
                "loss": None,
                "hidden": None,
            },
        )
    )
    return out_cls


def test_model_output_registration_like_transformers():
    out = []
    for m, T in LIBS:
        cls = _make_model_output(m, "CausalOut")
        o = cls(logits=T.ones(2), hidden=(T.zeros(1), T.zeros(1)))
        leaves, spec = m.tree_flatten(o)
        back = m.tree_unflatten(leaves, spec)
        out.append(
            dict(
                leaves=[_norm(x) for x in leaves],
                spec=repr(spec),
                back=type(back).__name__,
                keys=list(back.keys()),
                paths=[m.keystr(p) for p, _ in m.tree_leaves_with_path(o)],
                dumps=m.treespec_dumps(spec),
            )
        )
    assert out[0] == out[1]


def test_old_private_register_warns_and_overwrites():
    res = []
    for m in (tp, jp):
        cls = type("Old", (), {"__init__": lambda self, v: setattr(self, "v", v)})
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            m._register_pytree_node(cls, lambda o: ([o.v], None), lambda vals, c: cls(vals[0]))
            m._register_pytree_node(cls, lambda o: ([o.v, o.v], None), lambda vals, c: cls(vals[0]))
        res.append(
            ([(x.category.__name__, str(x.message).replace(repr(cls), "CLS")) for x in w], m.tree_leaves([cls(5)]))
        )
    assert res[0] == res[1]
    assert res[1][1] == [5, 5]  # the second registration replaced the first


def test_deregister_makes_a_leaf_again():
    for m in (tp, jp):
        cls = type("Tmp", (), {"__init__": lambda self, v: setattr(self, "v", v)})
        m.register_pytree_node(
            cls, lambda o: ([o.v], None), lambda vals, c: cls(vals[0]), serialized_type_name=f"tmp.{m.__name__}"
        )
        assert m.tree_leaves([cls(1)]) == [1]
        spec = m.tree_structure([cls(1)])
        m._deregister_pytree_node(cls)
        obj = cls(1)
        assert m.tree_leaves([obj]) == [obj]
        assert cls not in m.SUPPORTED_NODES
        assert repr(spec) == "TreeSpec(list, None, [TreeSpec(Tmp, None, [*])])"


def test_register_dataclass_and_constant_like_torch():
    out = []
    for m, T in LIBS:

        @dataclasses.dataclass
        class Pt:
            x: object
            y: object = None

        m.register_dataclass(Pt, serialized_type_name=f"tests.Pt.{m.__name__}")

        @dataclasses.dataclass(frozen=True)
        class Config:
            norm: str

        m.register_constant(Config)
        tree = [Pt(1, Pt(2)), Config("l2")]
        leaves, spec = m.tree_flatten(tree)
        rebuilt = m.tree_unflatten([10, 20], spec)
        out.append(
            dict(
                leaves=leaves,
                spec=repr(spec).replace(m.__name__, "M"),
                rebuilt=repr(rebuilt).replace("<locals>", ""),
                equal=spec == m.tree_structure(tree),
                constant=m.is_constant_class(Config),
                paths=[m.keystr(p) for p, _ in m.tree_leaves_with_path(tree)],
                bad_fields=_error(lambda: m.register_dataclass(Pt, field_names=["x", "z"])),
            )
        )
    assert out[0] == out[1]


def test_namedtuple_and_structseq_predicates_like_torch():
    for m, T in LIBS:
        r = T.max(T.ones(2, 2), 0)
        assert not m.is_namedtuple(r) and m.is_structseq(r)
        assert m.is_namedtuple(Point(1, 2)) and m.is_namedtuple(Point) and m.is_namedtuple_instance(Point(1, 2))
        assert not m.is_namedtuple((1, 2)) and not m.is_structseq(Point)
        assert m.is_structseq_class(type(r)) and m.is_namedtuple_class(Point)
    assert repr(jp.tree_structure(jaxtorch.max(jaxtorch.ones(2, 2), 0))) == repr(
        tp.tree_structure(torch.max(torch.ones(2, 2), 0))
    )


# ---------------------------------------------------------------------------------------------
# TreeSpec


def test_treespec_equality_hash_and_construction_like_torch():
    res = []
    for m, T in LIBS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            leaf = m.LeafSpec()
        s = m.tree_structure((1, [2, 3]))
        built = m.TreeSpec(tuple, None, [leaf, m.TreeSpec(list, None, [leaf, leaf])])
        res.append(
            dict(
                built_eq=built == s,
                hash_eq=hash(built) == hash(s),
                ne_list=s == m.tree_structure([1, [2, 3]]),
                dict_order=m.tree_structure({"a": 1, "b": 2}) == m.tree_structure({"b": 1, "a": 2}),
                dict_vs_odict=m.tree_structure({"a": 1}) == m.tree_structure(OrderedDict(a=1)),
                deque_maxlen=m.tree_structure(deque([1], maxlen=2)) == m.tree_structure(deque([1])),
                nt_eq=m.tree_structure(Point(1, 2)) == m.tree_structure(Point(3, 4)),
                leaf_eq=m.treespec_leaf() == leaf,
                leaf_is_leaf=leaf.is_leaf(),
                leaf_repr=repr(leaf),
                vs_other=s == 3,
                children=[repr(c) for c in s.children()],
                child=repr(s.child(1)),
                context=m.tree_structure({"k": 1}).context,
                type=s.type.__name__,
                tuple_spec=m.treespec_tuple([leaf, leaf]) == m.tree_structure((0, 0)),
                dict_spec=m.treespec_dict(a=leaf) == m.tree_structure({"a": 0}),
                built_unflatten=repr(built.unflatten([7, 8, 9])),
                dict_built=repr(m.TreeSpec(dict, ["q", "p"], [leaf, leaf]).unflatten(iter([1, 2]))),
                defaultdict_hash=hash(m.tree_structure(defaultdict(list, a=1)))
                == hash(m.tree_structure(defaultdict(list, a=2))),
                bad_leaf=_error(lambda: m.TreeSpec(None, "ctx", [])),
                unregistered=_error(lambda: m.TreeSpec(set, None, [leaf]).unflatten([1])),
                tree_unflatten_swapped=repr(m.tree_unflatten(s, [1, 2, 3])),
            )
        )
    assert res[0] == res[1]


def test_children_specs_is_deprecated_like_torch():
    for m in (tp, jp):
        with pytest.warns(FutureWarning, match="children_specs` is deprecated"):
            assert len(m.tree_structure((1, 2)).children_specs) == 2


def test_treespec_pickle_copy_and_json():
    _, spec = jp.tree_flatten({"b": [1, Named(2, 3)], "a": defaultdict(list, {"x": 4}), "c": deque([5], maxlen=3)})
    for other in (pickle.loads(pickle.dumps(spec)), copy.deepcopy(spec), copy.copy(spec)):
        assert other == spec and repr(other) == repr(spec)
        assert repr(other.unflatten(range(5))) == repr(spec.unflatten(range(5)))
    jp._register_namedtuple(Named, serialized_type_name="tests.Named")
    tp._register_namedtuple(Named, serialized_type_name="tests.Named")
    _, tspec = tp.tree_flatten({"b": [1, Named(2, 3)], "a": defaultdict(list, {"x": 4}), "c": deque([5], maxlen=3)})
    assert jp.treespec_dumps(spec) == tp.treespec_dumps(tspec)
    assert jp.treespec_loads(jp.treespec_dumps(spec)) == spec
    assert repr(jp.treespec_loads(tp.treespec_dumps(tspec))) == repr(tspec)


def test_tensors_through_tree_map():
    x = jaxtorch.ones(2, requires_grad=True)
    y = jp.tree_map_only(jaxtorch.Tensor, lambda t: t * 3, {"x": x, "n": None, "k": "keep"})
    assert y["n"] is None and y["k"] == "keep"
    y["x"].sum().backward()
    np.testing.assert_array_equal(np.asarray(x.grad._value()), [3.0, 3.0])
