import Testing
import FieldRuntime
