"""The profiler screen's help (F1). The marks are explained in the words of every table and report
(report.profile_table's legend), so the app, the CLI and the reports say the same thing."""

from __future__ import annotations

from fwadvisor.report.profile_table import MARKS_LEGEND

PROFILER_HELP = (
    "Benchmark PyTorch, TensorFlow and JAX (when installed) on this machine (the GPU when there is one, else the CPU). "
    "The top lines show what was found; a framework that is not installed cannot be ticked, and the line "
    "says how to install it. Pick a suite: quick, standard, full and practice are listed first, each with "
    "how long it takes on this kind of device, then your own suites from the profiles folder of your "
    "config directory. Tick the frameworks and press r or Run. The run goes on while you look at other "
    "screens: the header says how far it is, and a notification says when it ends. Only c (or Cancel) "
    "stops it, or quitting, which asks first and saves what was measured. "
    "When the screen opens it shows the last saved run, with its date and machine; r runs again. "
    "Progress, the results table and the chart of which framework is ahead fill in as numbers arrive. "
    "Each row shows every framework of the run and how many times faster the leader ran; on a narrow "
    "terminal the metric sits under each number and the ratio's interval under the ratio. With three "
    "frameworks each ratio names its pair (torch>TF 1.29x), a line per pair, the metric sits under the "
    "shape, and the chart has a bar per pair. ⊘ not supported: the framework has no path to this "
    "device (the reason is in the row's details). Enter on a row shows everything about it: every "
    "number, their spread, the interval, % of peak on a GPU, the GPU's state "
    "and the notes. Marks: " + MARKS_LEGEND + " "
    "The message under the progress bars says what went wrong and how to fix it. While a run goes on, "
    "a line under the progress bars shows the machine: on a GPU its clock, temperature, power and use "
    "(and why its clocks were held back, if they were), on a CPU how much other processes use; it says "
    "busy when the profiler found the last result measured on a busy machine. Every finished run is "
    "saved in your data folder and the report uses it as evidence. A cancelled or partial run is saved, "
    "but it becomes the evidence in place of a complete run only if you choose it. "
    "A run with the practice suite trains a small CNN and an LSTM in each framework: as their results "
    "arrive, the training curves take the place of the table and the chart: one plot per model, "
    "the training loss per epoch as a line on the left axis, the test accuracy as a line with a point "
    "per epoch (● PyTorch, ■ TensorFlow, ▲ JAX) on the right axis, PyTorch orange, TensorFlow gold and "
    "JAX purple. Under "
    "them are the final accuracies; a gap of more than 3 points is called out as a finding. Press v to "
    "switch between the curves and the table (the key is offered only when there are curves); on a "
    "short terminal the curves also take the machine's lines at the top."
)
