import Testing
import FieldCore
