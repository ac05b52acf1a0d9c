"""Orchestration of the pipeline: stage calls, failure classes, alerts and quality gates.

The Airflow DAG in `dags/shoplake_pipeline.py` is a thin shell over this
package, so every piece here can be tested without a scheduler.
"""
