"""A local ButterCMS: the Write and Read APIs as butter-api.md describes them, with an
asynchronous background queue, real media downloads, webhooks, faults on demand, and, when
asked, Butter's harsher habits (``Realism``: slow out-of-order writes, a stale read cache...).

    model = load_content_model("mappings/content-model.toml")
    async with run_emulator(EmulatorConfig(model)) as emu:
        ...  # point a client at emu.base_url; await emu.settle(); emu.state()
    EmulatorConfig(model, realism=Realism.realistic())  # as harsh as the real Butter
"""

from migrator.lazy import lazy_front

TYPE_CHECKING = False
if TYPE_CHECKING:
    from migrator.emulator.config import EmulatorConfig, Faults, Realism
    from migrator.emulator.media import sample_png
    from migrator.emulator.serve import serve_app
    from migrator.emulator.server import Emulator, run_emulator
    from migrator.emulator.state import SavedState, check_state_file, load_state

# Not for type checkers: they read the imports above (a module __getattr__ would let
# any misspelt name pass).
if not TYPE_CHECKING:
    # Names load on first use: `migrator emulator --help` imports command.py, not aiohttp.
    __getattr__, __dir__ = lazy_front(
        __name__,
        {
            "migrator.emulator.config": ["EmulatorConfig", "Faults", "Realism"],
            "migrator.emulator.media": ["sample_png"],
            "migrator.emulator.serve": ["serve_app"],
            "migrator.emulator.server": ["Emulator", "run_emulator"],
            "migrator.emulator.state": ["SavedState", "check_state_file", "load_state"],
        },
    )

__all__ = [
    "Emulator",
    "EmulatorConfig",
    "Faults",
    "Realism",
    "SavedState",
    "check_state_file",
    "load_state",
    "run_emulator",
    "sample_png",
    "serve_app",
]
