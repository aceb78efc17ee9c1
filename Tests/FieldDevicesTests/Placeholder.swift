import Testing
import FieldDevices
