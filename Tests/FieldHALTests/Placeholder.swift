import Testing
import FieldHAL
