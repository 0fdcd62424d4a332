"""Names timm imports at module level but the tests never use: placeholders that fail when used."""


def module_getattr(module_name):
    def __getattr__(name):
        if name.startswith("__"):
            raise AttributeError(name)

        class Placeholder:
            def __init__(self, *args, **kwargs):
                raise RuntimeError(f"{module_name}.{name} is a test placeholder")

        Placeholder.__name__ = Placeholder.__qualname__ = name
        return Placeholder

    return __getattr__
