import Testing
import FieldSim
