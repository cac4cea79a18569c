from embodb import demo


def test_demo_runs_end_to_end(tmp_path, capsys):
    demo.main([str(tmp_path / "robot.edb"), "--frames", "300"])
    out = capsys.readouterr().out
    assert "done." in out
    assert "300 rows" in out
    assert "use the index on label" in out  # the planner picked the new index
    assert "episode 2 still has 100 frames" in out  # the failed transaction rolled back
    assert "5 of 5 as exact search" in out  # the filtered semantic search (exact plan at this size)
    assert "100% of the neighbours show the same object" in out
    assert "300 of 300 frames have an IMU sample" in out  # join_asof of the time series
