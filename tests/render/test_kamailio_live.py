"""The rendered Kamailio load balancer, run for real on loopback: two SIPp nodes, SIPp callers and softphones."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from kamailio_lab import MISSING, Balancer, SippNode, answered_by, free_udp_port, run_uac

from fsapp.acd.loader import load_acd_config
from fsapp.config import Config, SwitchNodeConfig, load_config
from fsapp.render import render_config

pytestmark = pytest.mark.skipif(bool(MISSING), reason=MISSING or "-")

ROOT = Path(__file__).resolve().parents[2]
ACD_FILE = ROOT / "conf" / "acd.yaml"
BALANCER = "127.0.0.1"
NODES = {"fs1": "127.0.0.2", "fs2": "127.0.0.3"}
PHONE = "127.0.0.4"


@dataclass
class Lab:
    """The balancer, its nodes and the addresses a test needs."""

    work: Path
    config: Config
    port: int
    balancer: Balancer | None = None
    nodes: dict[str, SippNode] = field(default_factory=dict)
    others: list[SippNode] = field(default_factory=list)

    @property
    def kamailio(self) -> Balancer:
        assert self.balancer is not None
        return self.balancer

    @property
    def target(self) -> str:
        return f"{BALANCER}:{self.port}"

    def start_node(self, name: str) -> SippNode:
        self.nodes[name] = SippNode(NODES[name], self.config.freeswitch.trunks_port, self.work)
        return self.nodes[name]

    def citizen_calls(self, name: str, calls: int) -> list[str]:
        """Place ``calls`` calls to the published number; the hosts of the nodes that answered them."""
        status, lines = run_uac(self.target, "citizen_uac.xml", self.work, name, (BALANCER, self._uac_port()),
                                "-s", "6000", calls=calls)
        assert status == 0, f"{name}: sipp exit status {status}; kamailio log:\n{self.kamailio.log_tail()}"
        return answered_by(lines)

    def _uac_port(self) -> int:
        return free_udp_port((BALANCER,))


def _password(config: Config, user: str) -> str:
    return yaml.safe_load(Path(config.freeswitch.secrets_file).read_text())["softphones"][user]


@pytest.fixture
def start_lab(tmp_path: Path) -> Iterator:
    labs: list[Lab] = []

    def start(probe_interval: int, failover_timeout: float) -> Lab:
        hosts = (BALANCER, *NODES.values(), PHONE)
        port, trunks, operators = (free_udp_port(hosts) for _ in range(3))
        config = load_config(ROOT / "conf" / "fsapp.yaml", env={}, overrides={
            "acd.file": str(ACD_FILE), "freeswitch.secrets_file": str(tmp_path / "secrets.yaml"),
            "freeswitch.trunks_port": trunks, "freeswitch.operators_port": operators,
            "balancer.listen": f"udp:{BALANCER}:{port}", "balancer.probe_interval": probe_interval,
            "balancer.failover_timeout": failover_timeout})
        config.switches = [SwitchNodeConfig(name=name, host=host) for name, host in NODES.items()]
        config.freeswitch.trunk_acl = {"callers": f"{BALANCER}/32"}
        render_config(config, load_acd_config(ACD_FILE), tmp_path / "out", ("kamailio",), base=tmp_path)
        lab = Lab(tmp_path, config, port)
        labs.append(lab)
        for name in NODES:
            lab.start_node(name)
        lab.balancer = Balancer(tmp_path / "out" / "kamailio" / "kamailio.cfg", tmp_path / "run")
        lab.balancer.wait_ready(BALANCER, port)
        return lab

    yield start
    for lab in labs:
        if lab.balancer is not None:
            lab.balancer.stop()
        for node in [*lab.nodes.values(), *lab.others]:
            node.kill()


def test_calls_are_spread_over_both_nodes_and_fail_over_when_one_dies(start_lab) -> None:
    lab = start_lab(probe_interval=60, failover_timeout=1.0)
    first = Counter(lab.citizen_calls("round-robin", 20))
    assert sum(first.values()) == 20
    assert set(first) == set(NODES.values())
    assert abs(first[NODES["fs1"]] - first[NODES["fs2"]]) <= 2, first

    lab.nodes["fs2"].kill()
    before = lab.kamailio.mark()
    after = Counter(lab.citizen_calls("failover", 10))
    assert after == {NODES["fs1"]: 10}
    lab.kamailio.wait_for_line(rf"node sip:{NODES['fs2']}:\d+ did not answer INVITE", after=before)


def test_probes_take_a_dead_node_out_and_bring_it_back(start_lab) -> None:
    lab = start_lab(probe_interval=1, failover_timeout=1.0)
    trunks = lab.config.freeswitch.trunks_port
    lab.nodes["fs2"].kill()
    lab.kamailio.wait_for_line(rf"node sip:{NODES['fs2']}:{trunks} is down")

    before = lab.kamailio.mark()
    assert Counter(lab.citizen_calls("after-probe", 6)) == {NODES["fs1"]: 6}
    assert not lab.kamailio.matching("did not answer", after=before), "calls still tried the dead node"

    lab.start_node("fs2")
    lab.kamailio.wait_for_line(rf"node sip:{NODES['fs2']}:{trunks} is up", after=before)
    assert set(lab.citizen_calls("back", 6)) == set(NODES.values())


def test_softphones_register_with_their_password_and_nodes_reach_them(start_lab) -> None:
    lab = start_lab(probe_interval=60, failover_timeout=1.0)
    domain = lab.config.freeswitch.domain
    phone_port = free_udp_port((PHONE,))
    lab.others.append(SippNode(PHONE, phone_port, lab.work))
    register = ("-s", "1001", "-key", "sip_domain", domain, "-key", "contact", f"{PHONE}:{phone_port}")

    status, _ = run_uac(lab.target, "register_refused.xml", lab.work, "wrong-password",
                        (BALANCER, free_udp_port((BALANCER,))), *register, "-au", "1001", "-ap", "not-the-password")
    assert status == 0, "a wrong password was not refused"
    status, _ = run_uac(lab.target, "register.xml", lab.work, "register", (BALANCER, free_udp_port((BALANCER,))),
                        *register, "-au", "1001", "-ap", _password(lab.config, "1001"))
    assert status == 0, f"registration failed; kamailio log:\n{lab.kamailio.log_tail()}"

    # An agent's leg from a node's operators' profile: sofia/fsapp_operators/sip:1001@<balancer>
    status, lines = run_uac(lab.target, "citizen_uac.xml", lab.work, "agent-leg",
                            (NODES["fs1"], lab.config.freeswitch.operators_port), "-s", "1001")
    assert status == 0, f"the node's call to 1001 failed; kamailio log:\n{lab.kamailio.log_tail()}"
    assert answered_by(lines) == [PHONE]

    status, _ = run_uac(lab.target, "citizen_uac.xml", lab.work, "unregistered",
                        (NODES["fs1"], lab.config.freeswitch.operators_port), "-s", "1002")
    assert status != 0, "a call to a phone that never registered was answered"


def test_callers_outside_the_trunk_acl_are_refused(start_lab) -> None:
    lab = start_lab(probe_interval=60, failover_timeout=1.0)
    before = lab.kamailio.mark()
    status, lines = run_uac(lab.target, "citizen_uac.xml", lab.work, "stranger", (PHONE, free_udp_port((PHONE,))),
                            "-s", "6000")
    assert status != 0 and not answered_by(lines)
    lab.kamailio.wait_for_line(rf"refused INVITE from {PHONE}: not in freeswitch.trunk_acl", after=before)
