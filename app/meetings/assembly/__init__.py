"""The general assembly of the SCOP: legal profile, resolutions, convocation, quorum, PV.

It extends the meetings package: an assembly is a meeting of kind ``general_assembly``
whose legal data live in these tables; votes go through the votes engine.
"""
