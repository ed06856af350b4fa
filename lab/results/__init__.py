"""The result model, one for the whole lab: cell records, interpreter identity, files, result sets.

* ``record``   -- a cell's record (``CellRecord``, ``Provenance``) and the status words;
* ``identity`` -- which interpreter build on which machine label a file describes (``Identity``),
  down to the patch release, so 3.13.0 and 3.13.18 sit side by side;
* ``files``    -- the file format: validation (every problem named precisely), migration of older
  schemas, merging, atomic writes under a lock;
* ``resultset`` -- many files loaded together (``ResultSet``), as reports, ``diff`` and plots read them.

Standard library only and Python 3.8-compatible: the driver builds its records with it. This
module imports nothing, so that ``lab.results.record`` stays cheap in every spawn child.
"""
