"""template.yaml's operations alarms: the scheduled jobs whose silent failure would weaken a promise (the audit log's
anchoring, erasure and retention) raise an alarm on OperationsTopic, watching the metrics those jobs really emit."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
ALARMS = ("AuditAnchorsStalledAlarm", "AuditAnchorsFailingAlarm", "ErasuresStillFailingAlarm")


def _alarm(template: dict[str, Any], name: str) -> dict[str, Any]:
    resource = template["Resources"][name]
    assert resource["Type"] == "AWS::CloudWatch::Alarm"
    properties: dict[str, Any] = resource["Properties"]
    return properties


def _schedule_minutes(template: dict[str, Any], function_id: str) -> int:
    events = template["Resources"][function_id]["Properties"]["Events"]
    [schedule] = [event["Properties"]["Schedule"] for event in events.values() if event["Type"] == "Schedule"]
    match = re.fullmatch(r"rate\((\d+) (minute|minutes|hour|hours)\)", schedule)
    assert match, schedule
    return int(match[1]) * (60 if match[2].startswith("hour") else 1)


@pytest.mark.parametrize("name", ALARMS)
def test_given_an_operations_alarm_then_it_tells_the_operations_topic_when_it_fires_and_clears(
    template: dict[str, Any], name: str
) -> None:
    alarm = _alarm(template, name)
    assert alarm["AlarmActions"] == [{"Ref": "OperationsTopic"}]
    assert alarm["OKActions"] == [{"Ref": "OperationsTopic"}]
    assert template["Resources"]["OperationsTopic"]["Properties"]["KmsMasterKeyId"] == "alias/aws/sns"


def test_given_the_anchor_job_then_an_hour_without_a_run_is_an_alarm_even_without_data(
    template: dict[str, Any],
) -> None:
    alarm = _alarm(template, "AuditAnchorsStalledAlarm")
    assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/Lambda", "Invocations")
    assert alarm["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": "AuditAnchorFunction"}}]
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("LessThanThreshold", 1)
    assert alarm["TreatMissingData"] == "breaching"  # a job that stopped emits nothing at all
    # the window holds several scheduled runs, so one late run is no alarm
    assert alarm["Period"] * alarm["EvaluationPeriods"] >= 3 * 60 * _schedule_minutes(template, "AuditAnchorFunction")


def test_given_the_privacy_maintenance_then_its_alarm_watches_the_metric_it_emits_under_its_service_name(
    template: dict[str, Any],
) -> None:
    alarm = _alarm(template, "ErasuresStillFailingAlarm")
    function = template["Resources"]["PrivacyMaintenanceFunction"]["Properties"]
    service = function["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"]
    globals_ = template["Globals"]["Function"]["Environment"]["Variables"]
    source = (ROOT / "shared" / "koban" / "privacy" / "maintenance.py").read_text()

    assert alarm["Namespace"] == globals_["POWERTOOLS_METRICS_NAMESPACE"]
    assert f'name="{alarm["MetricName"]}"' in source
    assert alarm["Dimensions"] == [{"Name": "service", "Value": service}]
    # three hourly runs in a row: one S3 hiccup is retried by the next run without waking anyone
    assert alarm["Period"] == 60 * _schedule_minutes(template, "PrivacyMaintenanceFunction")
    assert alarm["EvaluationPeriods"] == 3


def test_given_an_operations_email_then_it_is_subscribed_and_without_one_nothing_is(template: dict[str, Any]) -> None:
    subscription = template["Resources"]["OperationsEmailSubscription"]
    assert subscription["Condition"] == "OperationsEmailGiven"
    assert subscription["Properties"]["Endpoint"] == {"Ref": "OperationsEmail"}
    assert template["Parameters"]["OperationsEmail"]["Default"] == ""
    pattern = re.compile(template["Parameters"]["OperationsEmail"]["AllowedPattern"])
    assert pattern.fullmatch("")
    assert pattern.fullmatch("ops@politie.example")
    assert not pattern.fullmatch("two words@example.org")
